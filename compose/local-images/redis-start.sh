#!/bin/sh
# redis-server as the upstream image runs it: reachable from the compose network (protected mode
# off; the network is private to the stack), the rest of the command line as given.
set -eu
if [ "$1" = redis-server ]; then
  shift
  exec redis-server --protected-mode no "$@"
fi
exec "$@"
