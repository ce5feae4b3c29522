"""Export and import of every resource as a spreadsheet (CSV or XLSX), built
from the resource declaration alone: `layout` decides the columns, `exporting`
writes them, `reading` reads a file into rows and `importing` writes rows
through `Resource.save_many`. The CLI, the REST API and the web UI all call
these; see docs/adr/0013-import-export-and-search.md."""
