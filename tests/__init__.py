"""Tests of the IMVO portal: unit/ (pure), integration/ (moto, Pelican, WeasyPrint), e2e/ (Chromium)."""
