/// What to tell a technician about a failed cloud probe, from the transport's last reason.
enum CloudAdvice {
    static func fix(reason: String?, cloud: CloudFiles, timeout: Double) -> String {
        let endpoint = "\(cloud.host):\(cloud.port)"
        guard let reason else {
            return "nothing was reported within \(formatSeconds(timeout)): a firewall may drop the packets to \(endpoint), "
                + "or the cloud is slow; check the route, then retry with --cloud-timeout 30 --verbose"
        }
        if let advice = byCode(reason, endpoint: endpoint, cloud: cloud) { return advice }
        let r = reason.lowercased()
        if r.contains("refused") && !r.contains("connect_error") {
            return "nothing accepts connections at \(endpoint): is the cloud up, are cloud.host and cloud.port right, "
                + "does a firewall reject the port?"
        }
        if r.contains("cert_unreadable") || r.contains("cert_invalid") || r.contains("client certificate")
            || r.contains("cannot load")
        {
            return "the transport cannot load its certificate or key: fix what the certificates item reports"
        }
        if r.contains("resolv") || r.contains("getaddrinfo") || r.contains("unknown host") || r.contains("name or service") {
            return "cloud.host (\(cloud.host)) does not resolve: check the name and the device's DNS (/etc/resolv.conf)"
        }
        if r.contains("connect_error") {
            return "the cloud refused the Socket.IO connect: ask the cloud's operator whether this agent's certificate "
                + "(its CN) is registered"
        }
        if r.contains("certificate") || r.contains("handshake") || r.contains("alert") || r.contains("verify")
            || r.contains("ssl") || r.contains("tls")
        {
            return "the TLS handshake failed: fix what the certificates item reports; the cloud must trust the agent's CA, "
                + "and cloud.ca_bundle must hold the CA of the cloud's server certificate, which must name \(cloud.host)"
        }
        if r.contains("uncleanshutdown") || r.contains("unclean shutdown") || r.contains("reset by peer") {
            return "the cloud closed the connection in or right after the TLS handshake: most likely it does not accept "
                + "the agent's certificate (fix what the certificates item reports; the cloud must trust the agent's CA), "
                + "or a proxy in between cuts TLS"
        }
        if r.contains("timed out") || r.contains("timeout") {
            return "\(endpoint) does not answer in time: check the route and firewall, then retry with --cloud-timeout 30"
        }
        return "run `orchestrator-agent check --verbose` for the transport's log and fix what it names"
    }

    /// Advice from the transport's stable failure code (docs/troubleshooting.md, "The cloud
    /// link"), when the reason starts with one.
    private static func byCode(_ reason: String, endpoint: String, cloud: CloudFiles) -> String? {
        let code = reason.prefix { $0 != ":" }
        switch code {
        case "connect_failed" where reason.contains("the proxy"):
            return "the proxy does not accept connections: is cloud.proxy (or HTTPS_PROXY) right and the proxy up?"
        case "connect_failed":
            if reason.lowercased().contains("resolv") || reason.lowercased().contains("unknownhost") {
                return "cloud.host (\(cloud.host)) does not resolve: check the name and the device's DNS (/etc/resolv.conf)"
            }
            return "nothing accepts connections at \(endpoint): is the cloud up, are cloud.host and cloud.port right, "
                + "does a firewall reject the port?"
        case "connect_timeout":
            return "\(endpoint) does not answer in time: check the route and firewall, then retry with --cloud-timeout 30"
        case "proxy_auth_required":
            return "the proxy wants credentials: put user:password in cloud.proxy_credentials_file (or fix the ones there)"
        case "proxy_refused":
            return "the proxy refuses a tunnel to \(endpoint): ask its operator to allow CONNECT to that host and port, "
                + "or exempt the cloud with cloud.no_proxy"
        case "san_mismatch":
            return "the cloud's certificate does not name the IP address in cloud.host: use a host name it carries, "
                + "or have it issued with that IP in its subjectAltName"
        case "tls_failed":
            return "the TLS handshake failed: fix what the certificates item reports; the cloud must trust the agent's CA, "
                + "and cloud.ca_bundle (or the system store) must hold the CA of the cloud's server certificate, which must name \(cloud.host)"
        case "link_closed":
            return "the cloud closed the connection in or right after the TLS handshake: most likely it does not accept "
                + "the agent's certificate (fix what the certificates item reports; the cloud must trust the agent's CA), "
                + "or a proxy in between cuts TLS"
        case "upgrade_refused", "polling_failed", "bad_handshake":
            return "\(endpoint) answers, but not as a Socket.IO server should: check cloud.path and cloud.transport "
                + "(docs/troubleshooting.md, \"The cloud link\")"
        default:
            return nil
        }
    }

    static func formatSeconds(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}
