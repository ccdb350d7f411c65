"""Pelican settings for publishing: absolute URLs of the public site, never a demo opening."""

import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)))

from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("IMVO_SITE_URL", "https://sectorale-samenwerking-imvo.example")
RELATIVE_URLS = False
DEMO_OPENINGS = []
