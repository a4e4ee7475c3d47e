#!/usr/bin/python3
"""Parse each file named on the command line with oslo.config's own INI
parser and print a JSON list: {"sections": {section: {key: [values]}}} or
{"error": message, "line": n} per file. TestParseMatchesOslo compares it
with Parse."""

import json
import sys

from oslo_config import cfg
from oslo_config import iniparser

out = []
for path in sys.argv[1:]:
    sections = {}
    try:
        cfg.ConfigParser(path, sections).parse()
        out.append({'sections': sections})
    except iniparser.ParseError as e:
        out.append({'error': e.msg, 'line': e.lineno})
    except UnicodeDecodeError:
        out.append({'error': 'not UTF-8', 'line': 0})
json.dump(out, sys.stdout)
