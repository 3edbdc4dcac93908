import Foundation

/// `docs/openapi.json`, and a checker of responses against it for the JSON Schema subset the document uses:
/// `$ref`, `type`, `nullable`, `required`, `properties`, `additionalProperties: false`, `items`, `enum`, `minimum`.
struct OpenAPIContract {
    let document: JSON

    /// The repository's root, found from this file's path.
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }  // Support, VigilHTTPTests, Tests, root
        return url.path
    }()

    static var documentPath: String { repositoryRoot + "/docs/openapi.json" }

    static func load() throws -> OpenAPIContract {
        let data = try Data(contentsOf: URL(fileURLWithPath: documentPath))
        return OpenAPIContract(document: try JSONDecoder().decode(JSON.self, from: data))
    }

    /// Follows `$ref`s to the node they name.
    func resolve(_ node: JSON) -> JSON {
        var node = node
        while let ref = node["$ref"]?.string {
            precondition(ref.hasPrefix("#/"), "only local references: \(ref)")
            var target = document
            for key in ref.dropFirst(2).split(separator: "/") { target = target[String(key)] ?? .null }
            node = target
        }
        return node
    }

    /// The operation object for `method` at `path`.
    func operation(_ method: String, _ path: String) -> JSON? {
        document["paths"]?[path]?[method.lowercased()]
    }

    /// Everything wrong with `response` as an answer to `method path`: an undocumented status, a wrong media
    /// type, a missing documented header, or a body that does not match the schema.
    func violations(of response: HTTPMessage, to method: String, _ path: String) -> [String] {
        guard let operation = operation(method, path) else { return ["\(method) \(path) is not in the document"] }
        guard let documented = operation["responses"]?[String(response.status)] else {
            return ["status \(response.status) is not documented for \(method) \(path)"]
        }
        let spec = resolve(documented)
        var problems: [String] = []
        if case .object(let headers) = spec["headers"] ?? .object([:]) {
            for name in headers.keys where name != "Retry-After" && response.header(name) == nil {
                problems.append("header \(name) missing from the \(response.status) response")
            }
        }
        guard case .object(let content) = spec["content"] ?? .null else { return problems }
        let mediaType = (response.header("content-type") ?? "").split(separator: ";")[0]
            .trimmingCharacters(in: .whitespaces).lowercased()
        guard let media = content[mediaType] else {
            return problems + ["media type \(mediaType) is not documented for \(response.status)"]
        }
        guard let schema = media["schema"] else { return problems }
        if mediaType == "application/json" {
            do {
                problems += schemaViolations(try response.json(), schema, at: "$")
            } catch {
                problems.append("the body is not JSON: \(response.text)")
            }
        } else {
            problems += schemaViolations(.string(response.text), schema, at: "$")
        }
        return problems
    }

    /// What makes `value` fail `schema`.
    func schemaViolations(_ value: JSON, _ schema: JSON, at path: String) -> [String] {
        let schema = resolve(schema)
        if value == .null {
            return schema["nullable"]?.bool == true ? [] : ["\(path): null where \(schema["type"] ?? .null) is due"]
        }
        var problems: [String] = []
        if let type = schema["type"]?.string {
            let matches: Bool
            switch (type, value) {
            case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool): matches = true
            case ("integer", .integer), ("number", .integer), ("number", .number): matches = true
            default: matches = false
            }
            if !matches { return ["\(path): expected \(type), got \(value)"] }
        }
        if let allowed = schema["enum"]?.array, !allowed.contains(value) {
            problems.append("\(path): \(value) is not one of \(allowed)")
        }
        if let minimum = schema["minimum"]?.double, let number = value.double, number < minimum {
            problems.append("\(path): \(number) is below the minimum \(minimum)")
        }
        if case .object(let members) = value {
            for name in schema["required"]?.array?.compactMap(\.string) ?? [] where members[name] == nil {
                problems.append("\(path): required property \(name) is missing")
            }
            let properties = schema["properties"]
            for (name, member) in members {
                if let propertySchema = properties?[name] {
                    problems += schemaViolations(member, propertySchema, at: "\(path).\(name)")
                } else if schema["additionalProperties"]?.bool == false {
                    problems.append("\(path): undocumented property \(name)")
                }
            }
        }
        if case .array(let items) = value, let itemSchema = schema["items"] {
            for (i, item) in items.enumerated() {
                problems += schemaViolations(item, itemSchema, at: "\(path)[\(i)]")
            }
        }
        return problems
    }
}
