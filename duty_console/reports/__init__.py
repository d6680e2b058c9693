"""Reports and exports: the daily (or zero) report, the entry export."""
