/// The udhcpc hook script the sidecar writes into its state dir at start (`<state>/udhcpc.script`).
///
/// udhcpc runs it inside the container's network namespace but in the *sidecar's* mount
/// namespace, so every path it touches is the sidecar's. It therefore
/// * changes only the DHCP interface (`<busybox> ip`, no PATH lookups),
/// * writes the container's resolv.conf only as `/proc/$ORCH_CONTAINER_PID/root/etc/resolv.conf`,
///   and not at all when that root is the sidecar's or the host's own root, when `etc` or the file
///   is a symlink (an absolute link would resolve against the sidecar's root) or when it is the
///   same file as the sidecar's `/etc/resolv.conf`,
/// * writes the lease JSON to `$ORCH_LEASE_DIR/<container>_<vnic>.lease` (upstream's name and keys),
/// * prints one ``DhcpLease/marker`` line with the same JSON, which the sidecar reads from the
///   client's stdout and turns into a `dhcp_update` at once,
/// * at a `deconfig`, keeps the address named in `$ORCH_LEASE_DIR/.<container>_<vnic>.keep` when
///   the link holds it (the file is removed: one time only), so a client started for an address
///   that another client leased does not take it off the link before the server answers; nothing
///   is reported then.
///
/// Environment (set by the sidecar): `ORCH_DHCP_KEY` (`<container>:<vnic>`), `ORCH_CONTAINER_PID`,
/// `ORCH_LEASE_DIR`.
public enum HookScript {
    /// The script for a busybox at `busybox` (an absolute path without single quotes).
    public static func text(busybox: String) -> String {
        precondition(!busybox.contains("'") && !busybox.contains("\n"), "busybox path must be shell-safe")
        return """
            #!\(busybox) sh
            # udhcpc hook of autonomy-netmon. Rewritten at every sidecar start: do not edit.
            # Runs in the container's network namespace but the sidecar's mount namespace.
            BB='\(busybox)'
            PID="$ORCH_CONTAINER_PID"
            KEY="$ORCH_DHCP_KEY"
            DIR="$ORCH_LEASE_DIR"
            EVENT="$1"
            IF="$interface"
            PFX="${mask:-24}"

            # Only a value with a quote, a backslash or a control character goes through tr and
            # sed: two programs per value made the report ~80 ms slower, and the announcement
            # that tells the LAN about the address waits for the report.
            esc() {
                case "$1" in
                *[\\"\\\\[:cntrl:]]*) printf '%s' "$1" | $BB tr -d '\\000-\\037' | $BB sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g' ;;
                *) printf '%s' "$1" ;;
                esac
            }
            # Printed piece by piece: a command substitution per value is a fork per value.
            js() { if [ -n "$1" ]; then printf '"'; esc "$1"; printf '"'; else printf 'null'; fi; }
            jn() { case "$1" in ''|*[!0-9]*) printf 'null' ;; *) printf '%s' "$1" ;; esac; }

            lease_json() {
                printf '{"interface":'; js "$IF"; printf ',"ip":'; js "$ip"; printf ',"subnet":'; js "$subnet"
                printf ',"mask":'; js "$subnet"; printf ',"prefix":'; jn "$mask"; printf ',"broadcast":'; js "$broadcast"
                printf ',"router":'; js "$router"; printf ',"dns":'; js "$dns"; printf ',"domain":'; js "$domain"
                printf ',"mtu":'; jn "$mtu"; printf ',"hostname":'; js "$hostname"; printf ',"ntpsrv":'; js "$ntpsrv"
                printf ',"lease":'; jn "$lease"; printf ',"serverid":'; js "$serverid"
                printf ',"timestamp":'; js "$($BB date -u +%Y-%m-%dT%H:%M:%SZ)"; printf ',"event":'; js "$EVENT"
                if [ -n "$1" ]; then printf ',"error":'; js "$1"; fi
                printf '}'
            }

            report() {
                json="$(lease_json "$1")"
                case "$KEY" in
                *:*)
                    name="${KEY%%:*}_${KEY#*:}"
                    if [ -n "$DIR" ] && { [ -d "$DIR" ] || $BB mkdir -p "$DIR"; }; then
                        printf '%s\\n' "$json" > "$DIR/.$name.lease.tmp" && $BB mv -f "$DIR/.$name.lease.tmp" "$DIR/$name.lease"
                    fi
                    ;;
                esac
                printf '\(DhcpLease.marker)%s\\n' "$json"
            }

            write_resolv() {
                [ -n "$dns$domain" ] || return 0
                case "$PID" in ''|*[!0-9]*) return 0 ;; esac
                root="/proc/$PID/root"
                [ -d "$root/" ] || return 0
                if [ "$root/" -ef / ] || [ "$root/" -ef /proc/1/root/ ]; then
                    echo "netmon-hook: container $PID shares the sidecar's root; resolv.conf not written" >&2
                    return 0
                fi
                f="$root/etc/resolv.conf"
                if [ -L "$root/etc" ] || [ -L "$f" ] || [ ! -d "$root/etc" ] || [ "$f" -ef /etc/resolv.conf ]; then
                    echo "netmon-hook: $f is not a plain file of the container; not written" >&2
                    return 0
                fi
                { [ -n "$domain" ] && echo "search $domain"; for s in $dns; do echo "nameserver $s"; done; } > "$f"
            }

            # The address the sidecar asked this client to keep through its start (one-shot).
            keep_address() {
                case "$KEY" in *:*) ;; *) return 1 ;; esac
                f="$DIR/.${KEY%%:*}_${KEY#*:}.keep"
                [ -n "$DIR" ] && [ -f "$f" ] || return 1
                keep="$($BB cat "$f")"
                $BB rm -f "$f"
                [ -n "$keep" ] && $BB ip -4 -o addr show dev "$IF" | $BB grep -q "inet $keep/"
            }

            case "$EVENT" in
            deconfig)
                if keep_address; then
                    $BB ip link set dev "$IF" up
                    echo "netmon-hook: keeping $keep on $IF until the server answers" >&2
                    exit 0
                fi
                $BB ip -4 addr flush dev "$IF"
                $BB ip link set dev "$IF" up
                report
                ;;
            bound|renew)
                for a in $($BB ip -4 -o addr show dev "$IF" | $BB awk '{print $4}'); do
                    [ "$a" = "$ip/$PFX" ] || $BB ip addr del "$a" dev "$IF"
                done
                $BB ip addr replace "$ip/$PFX" ${broadcast:+broadcast "$broadcast"} dev "$IF"
                [ -n "$mtu" ] && $BB ip link set dev "$IF" mtu "$mtu"
                if [ -n "$router" ]; then
                    $BB ip route replace default via "${router%% *}" dev "$IF"
                fi
                write_resolv
                report
                ;;
            leasefail|nak)
                report lease_failed
                ;;
            esac
            exit 0

            """
    }
}
