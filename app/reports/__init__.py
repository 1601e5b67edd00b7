"""Municipality results: frozen counts, disclosure control, statistics, exports, pages, API."""
