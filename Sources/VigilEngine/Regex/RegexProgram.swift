import VigilSignatures

/// A compiled regular expression and the Pike virtual machine that runs it: every thread advances in step
/// over the input, so a search costs at most the program's size per input byte and never backtracks, while
/// thread priorities give PCRE's leftmost-first answer (the same start and end as libpcre2).
struct RegexProgram: Sendable {
    enum Instruction: Sendable {
        case bytes(ByteSet)
        case split(Int, Int)
        case jump(Int)
        case assertion(RegexAssertion)
        case match
    }

    /// The most instructions a program may have (after expanding counted repetitions).
    static let maximumSize = 20_000

    let instructions: [Instruction]

    /// Compiles a parsed pattern.
    init(_ node: RegexNode) throws(RegexError) {
        var code: [Instruction] = []
        try Self.emit(node, into: &code)
        code.append(.match)
        instructions = code
    }

    private static func emit(_ node: RegexNode, into code: inout [Instruction]) throws(RegexError) {
        guard code.count < maximumSize else {
            throw RegexError(message: "pattern too large after expanding repetitions", offset: 0, unsupported: true)
        }
        switch node {
        case .empty: break
        case .bytes(let set): code.append(.bytes(set))
        case .assertion(let a): code.append(.assertion(a))
        case .concatenation(let items):
            for item in items { try emit(item, into: &code) }
        case .alternation(let branches):
            var jumps: [Int] = []
            for (i, branch) in branches.enumerated() {
                if i < branches.count - 1 {
                    let split = code.count
                    code.append(.split(split + 1, 0))
                    try emit(branch, into: &code)
                    jumps.append(code.count)
                    code.append(.jump(0))
                    code[split] = .split(split + 1, code.count)
                } else {
                    try emit(branch, into: &code)
                }
            }
            for j in jumps { code[j] = .jump(code.count) }
        case .repetition(let inner, let minimum, let maximum, let greedy):
            for _ in 0..<minimum { try emit(inner, into: &code) }
            func split(_ at: Int, body: Int, exit: Int) -> Instruction {
                greedy ? .split(body, exit) : .split(exit, body)
            }
            if let maximum {
                var splits: [Int] = []
                for _ in minimum..<maximum {
                    splits.append(code.count)
                    code.append(.jump(0))
                    try emit(inner, into: &code)
                }
                for s in splits { code[s] = split(s, body: s + 1, exit: code.count) }
            } else {
                let loop = code.count
                code.append(.jump(0))
                try emit(inner, into: &code)
                code.append(.jump(loop))
                code[loop] = split(loop, body: loop + 1, exit: code.count)
            }
        }
    }

    /// The leftmost-first match in `subject` starting at or after `from` (exactly at `from` when `anchored`):
    /// its start and end. No byte at or past `limit` is consumed (assertions still see the whole subject).
    func firstMatch(in subject: UnsafeRawBufferPointer, from: Int, anchored: Bool, limit: Int? = nil)
        -> (start: Int, end: Int)?
    {
        var scratch = RegexScratch()
        return firstMatch(in: subject, from: from, anchored: anchored, limit: limit, scratch: &scratch)
    }

    /// The same, with the thread lists of `scratch`, kept between searches so that many short searches (a
    /// YARA string verified at each candidate) allocate nothing.
    func firstMatch(
        in subject: UnsafeRawBufferPointer, from: Int, anchored: Bool, limit: Int?,
        scratch: inout RegexScratch
    ) -> (start: Int, end: Int)? {
        var runner = PikeRunner(code: instructions, subject: subject)
        swap(&runner.scratch, &scratch)
        defer { swap(&runner.scratch, &scratch) }
        if runner.scratch.mark.count < instructions.count {
            runner.scratch.mark += Array(repeating: -1, count: instructions.count - runner.scratch.mark.count)
        }
        return runner.run(from: from, anchored: anchored, limit: min(limit ?? subject.count, subject.count))
    }
}

/// The buffers of a Pike search, reusable from one search to the next (of any program).
struct RegexScratch {
    /// Per instruction, the step that last added it (`stamp` only grows, so no reset is needed).
    fileprivate var mark: [Int] = []
    fileprivate var stamp = 0
    fileprivate var stack: [Int] = []
    fileprivate var current: [(pc: Int, start: Int)] = []
    fileprivate var next: [(pc: Int, start: Int)] = []

    /// Empty buffers.
    init() {}
}

/// The state of one search.
private struct PikeRunner {
    let code: [RegexProgram.Instruction]
    let subject: UnsafeRawBufferPointer
    var scratch = RegexScratch()

    init(code: [RegexProgram.Instruction], subject: UnsafeRawBufferPointer) {
        self.code = code
        self.subject = subject
    }

    func holds(_ a: RegexAssertion, at p: Int) -> Bool {
        let n = subject.count
        switch a {
        case .textStart: return p == 0
        case .textEnd: return p == n
        case .textEndOrFinalNewline: return p == n || (p == n - 1 && subject[p] == 0x0A)
        case .lineStart: return p == 0 || subject[p - 1] == 0x0A
        case .lineEnd: return p == n || subject[p] == 0x0A
        case .wordBoundary, .notWordBoundary:
            let before = p > 0 && ASCII.isWordByte(subject[p - 1])
            let after = p < n && ASCII.isWordByte(subject[p])
            return (before != after) == (a == .wordBoundary)
        case .wideWordBoundary, .notWideWordBoundary:
            let before = p >= 2 && subject[p - 1] == 0 && ASCII.isWordByte(subject[p - 2])
            let after = p + 1 < n && subject[p + 1] == 0 && ASCII.isWordByte(subject[p])
            return (before != after) == (a == .wideWordBoundary)
        }
    }

    /// Adds the thread at `pc` and everything reachable without consuming input, in priority order.
    mutating func add(_ pc: Int, start: Int, at p: Int, to list: inout [(pc: Int, start: Int)]) {
        scratch.stack.append(pc)
        while let top = scratch.stack.popLast() {
            if scratch.mark[top] == scratch.stamp { continue }
            scratch.mark[top] = scratch.stamp
            switch code[top] {
            case .jump(let target): scratch.stack.append(target)
            case .split(let first, let second):
                scratch.stack.append(second)
                scratch.stack.append(first)
            case .assertion(let a): if holds(a, at: p) { scratch.stack.append(top + 1) }
            case .bytes, .match: list.append((top, start))
            }
        }
    }

    mutating func run(from: Int, anchored: Bool, limit: Int) -> (start: Int, end: Int)? {
        guard from >= 0, from <= subject.count else { return nil }
        var found: (start: Int, end: Int)?
        var current = scratch.current
        var next = scratch.next
        scratch.current = []
        scratch.next = []
        current.removeAll(keepingCapacity: true)
        defer { (scratch.current, scratch.next) = (current, next) }
        var p = from
        scratch.stamp += 1
        add(0, start: from, at: from, to: &current)
        while true {
            scratch.stamp += 1
            next.removeAll(keepingCapacity: true)
            var i = 0
            while i < current.count {
                let (pc, start) = current[i]
                i += 1
                switch code[pc] {
                case .bytes(let set):
                    if p < limit, set.contains(subject[p]) { add(pc + 1, start: start, at: p + 1, to: &next) }
                case .match:
                    found = (start, p)
                    i = current.count  // lower-priority threads cannot win
                default: break
                }
            }
            if p >= limit { break }
            p += 1
            if found == nil && !anchored { add(0, start: p, at: p, to: &next) }
            if next.isEmpty && (found != nil || anchored) { break }
            swap(&current, &next)
        }
        return found
    }
}
