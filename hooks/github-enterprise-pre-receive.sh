#!/bin/sh
# rolecall pre-receive hook: rejects pushes that would put AWS credentials into history.
#
# Works as a plain repository's hooks/pre-receive, from a global core.hooksPath, as GitLab's
# custom_hooks/pre-receive or pre-receive.d/rolecall, as Gitea/Forgejo's
# hooks/pre-receive.d/rolecall, and (with a static binary) as a GitHub Enterprise Server
# pre-receive hook. See hooks/README.md.
#
#   ROLECALL_BIN     the rolecall binary (default: `rolecall` on PATH, then /usr/local/bin)
#   ROLECALL_CONFIG  server policy file (default: rolecall.toml or .rolecall.toml in the
#                    repository's git directory, else built-in defaults)
#
# If the binary is missing the push is rejected (fail closed), because an uninstalled scanner
# must not silently let keys through.
# GitHub Enterprise: the hook environment tarball puts the static binary here.
bin=${ROLECALL_BIN:-/usr/local/bin/rolecall}
if [ -z "$bin" ]; then
    bin=$(command -v rolecall 2>/dev/null || true)
fi
if [ -z "$bin" ] && [ -x /usr/local/bin/rolecall ]; then
    bin=/usr/local/bin/rolecall
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "rolecall: push rejected: the rolecall binary is not installed on this server" >&2
    echo "rolecall: (set ROLECALL_BIN or install it on PATH); ask the server administrator." >&2
    exit 1
fi
exec "$bin" hook pre-receive
