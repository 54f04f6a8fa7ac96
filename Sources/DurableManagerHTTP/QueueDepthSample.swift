/// The depth of every queue at one poll: a point of the dashboard's queue chart.
struct QueueDepthSample: Sendable {
    /// Seconds since 1970 when the poll ran.
    var time: Double
    /// Depth by queue, named by its name or `#id` when it has none.
    var depths: [String: Int]
}
