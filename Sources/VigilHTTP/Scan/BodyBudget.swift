import VigilSystem

/// The bytes of request bodies held in memory at once, across every connection: a request that would go over it is
/// refused (503) rather than letting many large uploads together exhaust memory.
final class BodyBudget: Sendable {
    /// The most bytes held at once.
    let capacity: Int
    private let used = Locked(0)

    init(capacity: Int) { self.capacity = capacity }

    /// Takes `bytes` from the budget; `false` (and nothing taken) when that would exceed it.
    func reserve(_ bytes: Int) -> Bool {
        used.withLock { used in
            guard bytes <= capacity - used else { return false }
            used += bytes
            return true
        }
    }

    /// Gives back bytes taken with ``reserve(_:)``.
    func release(_ bytes: Int) { used.withLock { $0 -= bytes } }

    /// The bytes held now.
    var inUse: Int { used.withLock { $0 } }
}
