/// The udhcpc hook script of WiFi DHCP clients (`<state>/udhcpc-wifi.script`): udhcpc runs on
/// the host's WiFi interface in the sidecar's namespace on behalf of a vPLC, so the script
/// **never touches an interface, a route or resolv.conf**. It only writes the lease JSON to
/// `$ORCH_LEASE_DIR/<container>_<vnic>.lease` and prints the ``DhcpLease/marker`` line (the same
/// keys as ``HookScript``'s); the sidecar builds the vPLC's proxy-ARP bridge from it.
public enum WifiHookScript {
    /// The script for a busybox at `busybox` (an absolute path without single quotes).
    public static func text(busybox: String) -> String {
        precondition(!busybox.contains("'") && !busybox.contains("\n"), "busybox path must be shell-safe")
        return """
            #!\(busybox) sh
            # udhcpc hook of autonomy-netmon for WiFi vNICs. Rewritten at every sidecar start: do not edit.
            # Writes the lease only: the interface belongs to the host.
            BB='\(busybox)'
            KEY="$ORCH_DHCP_KEY"
            DIR="$ORCH_LEASE_DIR"
            EVENT="$1"
            IF="$interface"

            esc() { printf '%s' "$1" | $BB tr -d '\\000-\\037' | $BB sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g'; }
            js() { if [ -n "$1" ]; then printf '"%s"' "$(esc "$1")"; else printf 'null'; fi; }
            jn() { case "$1" in ''|*[!0-9]*) printf 'null' ;; *) printf '%s' "$1" ;; esac; }

            lease_json() {
                printf '{"interface":%s,"ip":%s,"subnet":%s,"mask":%s,"prefix":%s,"broadcast":%s,"router":%s,' \\
                    "$(js "$IF")" "$(js "$ip")" "$(js "$subnet")" "$(js "$subnet")" "$(jn "$mask")" "$(js "$broadcast")" "$(js "$router")"
                printf '"dns":%s,"domain":%s,"mtu":%s,"hostname":%s,"ntpsrv":%s,"lease":%s,"serverid":%s,' \\
                    "$(js "$dns")" "$(js "$domain")" "$(jn "$mtu")" "$(js "$hostname")" "$(js "$ntpsrv")" "$(jn "$lease")" "$(js "$serverid")"
                printf '"timestamp":%s,"event":%s' "$(js "$($BB date -u +%Y-%m-%dT%H:%M:%SZ)")" "$(js "$EVENT")"
                [ -n "$1" ] && printf ',"error":%s' "$(js "$1")"
                printf '}'
            }

            report() {
                json="$(lease_json "$1")"
                case "$KEY" in
                *:*)
                    name="${KEY%%:*}_${KEY#*:}"
                    if [ -n "$DIR" ] && $BB mkdir -p "$DIR"; then
                        printf '%s\\n' "$json" > "$DIR/.$name.lease.tmp" && $BB mv -f "$DIR/.$name.lease.tmp" "$DIR/$name.lease"
                    fi
                    ;;
                esac
                printf '\(DhcpLease.marker)%s\\n' "$json"
            }

            case "$EVENT" in
            deconfig|bound|renew) report ;;
            leasefail|nak) report lease_failed ;;
            esac
            exit 0

            """
    }
}
