import Foundation

/// The page's files, read from the package's resources once at start: HTML, JavaScript and CSS,
/// no CDN, so the page works on a machine without internet.
struct DashboardAssets: Sendable {
    /// The files by name: `index.html`, `dashboard.js`, `dashboard.css`.
    let files: [String: [UInt8]]

    static let names = ["index.html", "dashboard.js", "dashboard.css"]

    static func load() throws(HTTPDashboardError) -> DashboardAssets {
        var files: [String: [UInt8]] = [:]
        for name in names {
            let parts = name.split(separator: ".")
            guard let url = Bundle.module.url(forResource: String(parts[0]), withExtension: String(parts[1]), subdirectory: "Dashboard"),
                  let data = try? Data(contentsOf: url)
            else {
                throw .assets("\(name) is missing from the DurableManagerHTTP resources beside the executable; reinstall durablectl with its DurableManager_DurableManagerHTTP.resources folder")
            }
            files[name] = [UInt8](data)
        }
        return DashboardAssets(files: files)
    }
}
