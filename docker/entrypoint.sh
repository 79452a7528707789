#!/bin/sh
# Container entrypoint: `api`, `worker` or `migrate`; anything else is exec'd as given.
set -eu

if [ "$#" -eq 0 ]; then
    set -- api
fi

case "$1" in
    api)
        shift
        exec tongxin serve --host 0.0.0.0 --port 8000 "$@"
        ;;
    worker)
        shift
        exec tongxin worker "$@"
        ;;
    migrate)
        shift
        exec tongxin migrate "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
