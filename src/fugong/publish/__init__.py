"""The daily publication (``fugong publish``): the bundle a command centre takes to its press
conference — risk map, resumption index tables, control index and quadrant, as HTML, PDF and CSV,
versioned per date. See bundle.py and docs/publish.md."""
