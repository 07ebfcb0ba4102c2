internal import Foundation

/// A certificate authority, a server certificate for `localhost` and 127.0.0.1, and a client
/// certificate, all generated with the `openssl` command at test time.
public struct TestCertificates: Sendable {
    /// The folder holding the files.
    public let folder: String
    /// The CA certificate (PEM) that signed the server and client certificates.
    public var caCertificate: String { "\(folder)/ca.pem" }
    /// The server's certificate chain (PEM).
    public var serverCertificate: String { "\(folder)/server.pem" }
    /// The server's private key (PEM).
    public var serverKey: String { "\(folder)/server.key" }
    /// The client's certificate (PEM).
    public var clientCertificate: String { "\(folder)/client.pem" }
    /// The client's private key (PEM).
    public var clientKey: String { "\(folder)/client.key" }
    /// The server's public key (PEM), for pinning.
    public var serverPublicKey: String { "\(folder)/server.pub" }

    /// Generates a fresh set in a new temporary folder.
    public static func generate() throws -> TestCertificates {
        let folder = try Loopback.temporaryFolder("curlew-certs")
        let openssl = try Loopback.executable("openssl")
        func run(_ arguments: [String]) throws { try Loopback.run(openssl, arguments) }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try run(["req", "-x509"] + ec + ["-keyout", "\(folder)/ca.key", "-out", "\(folder)/ca.pem",
                 "-days", "2", "-subj", "/CN=Curlew Test CA"])
        try """
        subjectAltName=DNS:localhost,IP:127.0.0.1
        basicConstraints=CA:FALSE
        extendedKeyUsage=serverAuth
        """.write(toFile: "\(folder)/server.ext", atomically: true, encoding: .utf8)
        try "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n".write(toFile: "\(folder)/client.ext", atomically: true, encoding: .utf8)
        for (name, subject) in [("server", "/CN=localhost"), ("client", "/CN=curlew-client")] {
            try run(["req"] + ec + ["-keyout", "\(folder)/\(name).key", "-out", "\(folder)/\(name).csr", "-subj", subject])
            try run(["x509", "-req", "-in", "\(folder)/\(name).csr", "-CA", "\(folder)/ca.pem", "-CAkey", "\(folder)/ca.key",
                     "-CAcreateserial", "-days", "2", "-extfile", "\(folder)/\(name).ext", "-out", "\(folder)/\(name).pem"])
        }
        try run(["pkey", "-in", "\(folder)/server.key", "-pubout", "-out", "\(folder)/server.pub"])
        return TestCertificates(folder: folder)
    }
}
