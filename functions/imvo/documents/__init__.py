"""Documents the system writes: safe HTML-to-PDF rendering, receipts and application PDFs."""
