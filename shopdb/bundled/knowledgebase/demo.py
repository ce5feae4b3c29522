"""The plugin's part of the demo site (`shopdb seed --demo`): a few articles
a machining plant's IT team writes, linked to demo machines (by product
model), to asset types and to the demo applications, each saved twice so
the revisions and their diff have something to show. Idempotent: an article
whose title exists is left alone."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.api import Asset, AssetType, ProductModel
from shopdb.bundled.applications.models import Application

from .models import (
    Article,
    ArticleApplication,
    ArticleAsset,
    ArticleAssetType,
    ArticleRevision,
    ArticleTag,
)

AUTHOR = "demo"


@dataclass(frozen=True)
class DemoArticle:
    title: str
    first: str  # the body as first written
    body: str  # the body as it reads now (the second revision)
    tags: tuple[str, ...] = ()
    models: tuple[str, ...] = ()  # product models whose first asset it is about
    assettypes: tuple[str, ...] = ()
    applications: tuple[str, ...] = ()


DNC_FIRST = """\
1. On the machine, set the DNC channel to *receive*.
2. In Cimco DNC-Max, right-click the port and choose **Send file**.
"""
DNC_NOW = """\
1. On the machine, set the DNC channel to *receive*.
2. In Cimco DNC-Max, right-click the port and choose **Send file**.
3. If the transfer stops at 4 KB, the port's XON/XOFF setting is wrong:
   set *Flow control* to **Software** and send again.

| Machine | Baud | Flow control |
| --- | --- | --- |
| Heidenhain TNC 640 | 115200 | Software |
| Haas NGC | 38400 | Software |
"""
CALYPSO_FIRST = """\
Calypso asks for the dongle when the USB hub sleeps.
"""
CALYPSO_NOW = """\
Calypso asks for the dongle when the USB hub sleeps.

- In *Device Manager*, untick **Allow the computer to turn off this device** on every USB root hub.
- Restart Calypso; the licence is found again.

See the vendor's notes: <https://www.zeiss.com/metrology/software/calypso.html>
"""
SPINDLE_FIRST = """\
Warm the spindle for 10 minutes before the first part of the day.
"""
SPINDLE_NOW = """\
Warm the spindle for **15 minutes** before the first part of the day
(program `O9001`, 2,000 to 12,000 rpm in steps).

> Skipping the warm-up moves the first part's bores by up to 8 um.
"""
IMAGE_FIRST = """\
New floor PCs get the *SHOP-FLOOR-2021* image.
"""
IMAGE_NOW = """\
New floor PCs get the *SHOP-FLOOR-2024* image (Windows 10 IoT LTSC 2021).

After imaging, run the inventory script once by hand: the PC then appears in
ShopDB with its installed software.
"""

ARTICLES = (
    DemoArticle(
        "DNC transfer stops at 4 KB", DNC_FIRST, DNC_NOW, ("dnc", "serial"),
        models=("C 42 U", "VF-2SS"), applications=("Cimco DNC-Max",),
    ),
    DemoArticle(
        "Calypso cannot find its dongle", CALYPSO_FIRST, CALYPSO_NOW, ("metrology", "licence"),
        models=("CONTURA",), applications=("Zeiss Calypso",),
    ),
    DemoArticle(
        "Spindle warm-up on the 5-axis mills", SPINDLE_FIRST, SPINDLE_NOW, ("spindle",),
        models=("DMU 65 monoBLOCK", "C 42 U"),
    ),
    DemoArticle(
        "Imaging a new shop-floor PC", IMAGE_FIRST, IMAGE_NOW, ("imaging", "windows"),
        assettypes=("computer",), applications=("Microsoft Edge",),
    ),
)  # fmt: skip


def first_assets(session: Session, models: tuple[str, ...]) -> list[int]:
    """The first asset (by asset number) of each product model, where there is one."""
    found = []
    for modelnumber in models:
        assetid = session.scalar(
            select(Asset.assetid)
            .join(ProductModel, Asset.modelid == ProductModel.modelid)
            .where(ProductModel.modelnumber == modelnumber)
            .order_by(Asset.assetnumber)
            .limit(1)
        )
        if assetid is not None and assetid not in found:
            found.append(assetid)
    return found


def seed_demo_articles(session: Session) -> str | None:
    """Add the demo articles that are missing; the summary, or None."""
    held = set(session.scalars(select(Article.title)))
    types = {row.assettype: row.assettypeid for row in session.scalars(select(AssetType))}
    applications = {row.name: row.applicationid for row in session.scalars(select(Application))}
    added = 0
    for demo in ARTICLES:
        if demo.title in held:
            continue
        article = Article(title=demo.title, body=demo.body)
        session.add(article)
        session.flush()
        for number, body in ((1, demo.first), (2, demo.body)):
            session.add(
                ArticleRevision(
                    articleid=article.articleid,
                    revision=number,
                    title=demo.title,
                    body=body,
                    author=AUTHOR,
                )
            )
        for tag in demo.tags:
            session.add(ArticleTag(articleid=article.articleid, tag=tag))
        for assetid in first_assets(session, demo.models):
            session.add(ArticleAsset(articleid=article.articleid, assetid=assetid))
        for name in demo.assettypes:
            if name in types:
                session.add(ArticleAssetType(articleid=article.articleid, assettypeid=types[name]))
        for name in demo.applications:
            if name in applications:
                session.add(
                    ArticleApplication(
                        articleid=article.articleid, applicationid=applications[name]
                    )
                )
        added += 1
    session.flush()
    return f"Added {added} articles, each with 2 revisions." if added else None
