/// Splits a signature line into its colon-separated fields, remembering each field's column.
struct LineFields {
    /// The fields' text.
    var values: [Substring]
    /// The 1-based column where each field starts.
    var columns: [Int]

    init(_ line: Substring) {
        values = []
        columns = []
        var start = line.startIndex
        var column = 1
        var fieldColumn = 1
        for index in line.indices {
            if line[index] == ":" {
                values.append(line[start..<index])
                columns.append(fieldColumn)
                start = line.index(after: index)
                fieldColumn = column + 1
            }
            column += 1
        }
        values.append(line[start...])
        columns.append(fieldColumn)
    }

    var count: Int { values.count }

    /// `location` with the column where field `index` starts.
    func location(of index: Int, in location: SourceLocation) -> SourceLocation {
        var at = location
        at.column = columns[index]
        return at
    }

    /// Parses an optional decimal FLEVEL field; `nil` when absent or empty.
    func level(_ index: Int, in location: SourceLocation, line: String) throws(SignatureError) -> Int? {
        guard index < values.count, !values[index].isEmpty else { return nil }
        guard let value = Int(values[index]), value >= 0 else {
            throw SignatureError(.malformed, "invalid functionality level '\(values[index])'",
                at: self.location(of: index, in: location), excerpt: line)
        }
        return value
    }
}
