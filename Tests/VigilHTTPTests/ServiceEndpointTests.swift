import Testing
import VigilService
import VigilTestSupport

@testable import VigilHTTP

/// `/v1/version`, `/v1/health`, `/metrics`, routing errors and bearer-token authorization.
@Suite struct ServiceEndpointTests {
    let contract: OpenAPIContract

    init() throws { contract = try OpenAPIContract.load() }

    @Test func versionDescribesEngineAndDatabase() async throws {
        try await TestServer.with { (server) async throws in
            let response = try server.request("GET", "/v1/version")
            #expect(response.status == 200)
            #expect(contract.violations(of: response, to: "GET", "/v1/version") == [])
            let json = try response.json()
            #expect(json["engine"]?.string?.hasPrefix("vigil ") == true)
            #expect(json["database"]?["version"] == .string("builtin"))
            #expect(json["database"]?["build_time"] == .null)
            #expect(json["database"]?["signatures"] == .integer(server.service.database.engine.signatureCount))
        }
    }

    @Test func healthAnswersOk() async throws {
        try await TestServer.with { (server) async throws in
            let response = try server.request("GET", "/v1/health")
            #expect(response.status == 200)
            #expect(try response.json() == .object(["status": .string("ok")]))
            #expect(response.header("date")?.hasSuffix(" GMT") == true)
            #expect(contract.violations(of: response, to: "GET", "/v1/health") == [])
        }
    }

    @Test func metricsFollowTheExpositionFormat() async throws {
        try await TestServer.with { (server) async throws in
            _ = try server.request("POST", "/v1/scan", body: TestContent.eicar)
            _ = try server.request("POST", "/v1/scan", body: Array("clean".utf8))
            _ = try server.request("POST", "/v1/scan?all_match=bad", body: [])
            let response = try server.request("GET", "/metrics")
            #expect(response.status == 200)
            #expect(response.header("content-type") == "text/plain; version=0.0.4; charset=utf-8")
            #expect(contract.violations(of: response, to: "GET", "/metrics") == [])
            let page = try PrometheusPage(response.text)
            #expect(page.value("vigil_scans_total") == 2)
            #expect(page.value("vigil_scanned_bytes_total") == 73)
            #expect(page.value("vigil_detections_total") == 1)
            #expect(page.value("vigil_errors_total") == 1)
            #expect(page.value("vigil_scan_duration_seconds_count") == 2)
            #expect(page.value("vigil_scan_duration_seconds_bucket", labels: "le=\"+Inf\"") == 2)
            #expect(page.value("vigil_database_version") == 0)
            #expect(page.value("vigil_database_signatures") == Double(server.service.database.engine.signatureCount))
            #expect(page.value("vigil_reloads_total") == 0)
            #expect(page.value("vigil_reload_failures_total") == 0)
            #expect(page.value("vigil_http_requests_total", labels: "code=\"200\"") == 2)
            #expect(page.value("vigil_http_requests_total", labels: "code=\"400\"") == 1)
            // Buckets are cumulative and end at the count.
            let buckets = page.samples.filter { $0.name == "vigil_scan_duration_seconds_bucket" }.map(\.value)
            #expect(buckets == buckets.sorted())
            #expect(buckets.count == ServiceMetrics.latencyBounds.count + 1)
            // Every family has HELP and TYPE before its samples.
            for family in ["vigil_scans_total", "vigil_scan_duration_seconds", "vigil_database_age_seconds"] {
                #expect(page.types[family] != nil, "\(family)")
                #expect(page.helps.contains(family), "\(family)")
            }
            #expect(page.types["vigil_scan_duration_seconds"] == "histogram")
        }
    }

    @Test func unknownPathIs404AndWrongMethodIs405() async throws {
        try await TestServer.with { (server) async throws in
            let missing = try server.request("GET", "/v2/scan")
            #expect(missing.status == 404)
            #expect(try missing.json()["error"] != nil)
            for (method, path, allowed) in [
                ("GET", "/v1/scan", "POST"), ("DELETE", "/v1/health", "GET, HEAD"),
                ("POST", "/metrics", "GET, HEAD"), ("PUT", "/v1/version", "GET, HEAD"),
            ] {
                let response = try server.request(method, path, body: [])
                #expect(response.status == 405, "\(method) \(path)")
                #expect(response.header("allow") == allowed)
                #expect(try response.json()["error"] != nil)
            }
        }
    }

    @Test func headAnswersTheGetHeadWithoutBody() async throws {
        try await TestServer.with { (server) async throws in
            let connection = try RawHTTPConnection(port: server.port)
            try connection.send("HEAD /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try connection.readResponse(toHead: true)
            #expect(head.status == 200)
            #expect(head.header("content-length") == "15")
            // No body followed: the next response on the connection is read intact.
            let next = try connection.request("GET", "/v1/health")
            #expect(try next.json() == .object(["status": .string("ok")]))
        }
    }

    @Test func bearerTokenGuardsEverythingButHealth() async throws {
        try await TestServer.with(token: TestServer.token) { (server) async throws in
            let good = [("Authorization", "Bearer \(TestServer.token)")]
            for (method, path) in [("GET", "/v1/version"), ("GET", "/metrics"), ("POST", "/v1/scan")] {
                let missing = try server.request(method, path, body: method == "POST" ? [1] : nil)
                #expect(missing.status == 401, "\(path)")
                #expect(missing.header("www-authenticate")?.hasPrefix("Bearer") == true)
                #expect(contract.violations(of: missing, to: method, path) == [])
                let wrong = try server.request(
                    method, path, headers: [("Authorization", "Bearer nope")], body: method == "POST" ? [1] : nil)
                #expect(wrong.status == 401)
                #expect(wrong.header("www-authenticate")?.contains("invalid_token") == true)
                let basic = try server.request(method, path, headers: [("Authorization", "Basic dXNlcjpwYXNz")])
                #expect(basic.status == 401)
                let admitted = try server.request(method, path, headers: good, body: method == "POST" ? [1] : nil)
                #expect(admitted.status == 200, "\(path)")
                #expect(contract.violations(of: admitted, to: method, path) == [])
            }
            let lowercase = try server.request(
                "GET", "/v1/version", headers: [("Authorization", "bearer \(TestServer.token)")])
            #expect(lowercase.status == 200)
            #expect(try server.request("GET", "/v1/health").status == 200)
        }
    }

    @Test func tokenComparison() {
        let token = BearerToken("s3cret")
        #expect(token.admits("Bearer s3cret"))
        #expect(token.admits("BEARER   s3cret"))
        #expect(!token.admits("Bearer s3cre"))
        #expect(!token.admits("Bearer s3cret2"))
        #expect(!token.admits("Bearer "))
        #expect(!token.admits("s3cret"))
        #expect(!token.admits(nil))
    }
}

/// A parsed Prometheus text exposition page, checked line by line as it is read.
struct PrometheusPage {
    struct Sample { var name: String, labels: String, value: Double }
    var samples: [Sample] = []
    var types: [String: String] = [:]
    var helps: Set<String> = []

    init(_ text: String) throws {
        #expect(text.hasSuffix("\n"))
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") {
                helps.insert(String(line.split(separator: " ")[2]))
            } else if line.hasPrefix("# TYPE ") {
                let fields = line.split(separator: " ")
                #expect(["counter", "gauge", "histogram"].contains(fields[3]))
                types[String(fields[2])] = String(fields[3])
            } else {
                let (series, value) = (line.split(separator: " ")[0], line.split(separator: " ")[1])
                let name = series.prefix { $0 != "{" }
                let labels = series.dropFirst(name.count).dropFirst().dropLast()
                let family = types.keys.first { name == $0 || (name.hasPrefix($0 + "_") && types[$0] == "histogram") }
                #expect(family != nil, "sample before its TYPE: \(line)")
                let number = try #require(Double(value), "\(line)")
                samples.append(Sample(name: String(name), labels: String(labels), value: number))
            }
        }
    }

    func value(_ name: String, labels: String = "") -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }
}
