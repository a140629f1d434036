"""Report rendering: notebook helpers (context, tables, figures), conversion, rendering and the manifest."""
