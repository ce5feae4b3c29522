"""A detail page's derived edges are read through indexes, whatever the
number of relationships: the query once joined every pair of edges (300 ms
per detail page at 50,000 relationships)."""

from sqlalchemy import create_engine, text

from shopdb.models import Base
from shopdb.services.derived import derived_edges_query


def test_derived_edges_of_one_asset_start_from_an_index():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    query = derived_edges_query(5)
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        plan = [row[3] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
    scans = [step for step in plan if step.startswith("SCAN")]
    assert not scans, plan
