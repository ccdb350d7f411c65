"""Domain code of the IMVO programme portal: rules, receipt clock, storage, bundles, rendering."""
