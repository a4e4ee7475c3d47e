#!/usr/bin/python3
"""Read files as the --config-file options of a service that registers every
oslo.messaging option (as gen_options.py lists them). The arguments are
cases of one or more files, separated by "--". Print a JSON list with, per
case, an object "group.name" -> {"value": v} or {"error": exception name}
for every option the files set. TestLoadMatchesOslo compares it with Load."""

import json
import os
import sys

from oslo_config import cfg

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import gen_options  # noqa: E402

GROUPS = gen_options.groups()


def is_set(conf, group, opt):
    names = [(group, opt.dest)] + [(d.group or group, d.name or opt.dest)
                                   for d in opt.deprecated_opts]
    for sections in conf._namespace._normalized:
        for g, n in names:
            if n in sections.get(g if g == 'DEFAULT' else g.lower(), {}):
                return True
    return False


def read(paths):
    conf = cfg.ConfigOpts()
    for group, opts in GROUPS.items():
        conf.register_opts(opts, group=None if group == 'DEFAULT' else group)
    args = []
    for path in paths:
        args += ['--config-file', path]
    conf(args, project='osloconf', default_config_files=[],
         default_config_dirs=[], use_env=False)
    out = {}
    for group, opts in GROUPS.items():
        for opt in opts:
            if not is_set(conf, group, opt):
                continue
            try:
                if group == 'DEFAULT':
                    value = conf[opt.dest]
                else:
                    value = conf[group][opt.dest]
                out[group + '.' + opt.name] = {'value': value}
            except Exception as e:  # what the service would die of
                out[group + '.' + opt.name] = {'error': type(e).__name__}
    return out


cases, case = [], []
for arg in sys.argv[1:] + ['--']:
    if arg == '--':
        cases.append(read(case))
        case = []
    else:
        case.append(arg)
json.dump(cases, sys.stdout, default=str)
