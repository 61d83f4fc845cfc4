#!/bin/sh
# Container entrypoint: runs the package's own `start` script from its package.json, replacing
# this shell (exec) so `docker stop`'s SIGTERM reaches Node and the service shuts down gracefully.
set -eu
script=$(node -p 'require("./package.json").scripts.start')
eval "exec $script"
