internal import Foundation

/// A certificate authority, a server certificate for `localhost` and 127.0.0.1, and a client
/// certificate, all generated with the `openssl` command at test time; for TLS failures, two
/// more server certificates from the same CA with the same key: one that expired (2020), one
/// for another host only.
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
    /// A server certificate for `localhost` and 127.0.0.1, valid only on 1 January 2020.
    public var expiredServerCertificate: String { "\(folder)/expired.pem" }
    /// A server certificate valid now, for `elsewhere.invalid` only.
    public var otherHostCertificate: String { "\(folder)/otherhost.pem" }
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
        try signFailureCertificates(in: folder, run: run)
        return TestCertificates(folder: folder)
    }

    /// The expired and other-host certificates. `openssl ca` rather than `x509 -req`: OpenSSL
    /// 3.0's `x509` cannot set a start date in the past.
    private static func signFailureCertificates(in folder: String, run: ([String]) throws -> Void) throws {
        try """
        [ca]
        default_ca = test
        [test]
        database = \(folder)/index.txt
        new_certs_dir = \(folder)
        serial = \(folder)/serial
        default_md = sha256
        policy = anything
        unique_subject = no
        [anything]
        commonName = supplied
        [expired]
        subjectAltName = DNS:localhost,IP:127.0.0.1
        basicConstraints = CA:FALSE
        extendedKeyUsage = serverAuth
        [otherhost]
        subjectAltName = DNS:elsewhere.invalid
        basicConstraints = CA:FALSE
        extendedKeyUsage = serverAuth
        """.write(toFile: "\(folder)/ca.cnf", atomically: true, encoding: .utf8)
        try "".write(toFile: "\(folder)/index.txt", atomically: true, encoding: .utf8)
        try "1000\n".write(toFile: "\(folder)/serial", atomically: true, encoding: .utf8)
        let sign = ["ca", "-batch", "-config", "\(folder)/ca.cnf", "-cert", "\(folder)/ca.pem", "-keyfile", "\(folder)/ca.key",
                    "-notext", "-in", "\(folder)/server.csr"]
        try run(sign + ["-extensions", "expired", "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
                        "-out", "\(folder)/expired.pem"])
        try run(sign + ["-extensions", "otherhost", "-days", "2", "-subj", "/CN=elsewhere.invalid", "-out", "\(folder)/otherhost.pem"])
    }
}
