import NIOCore
import PythonProtocol

extension ChannelPipeline.SynchronousOperations {
    /// Adds the manager's end of one CPython connection: frames (256 bytes at most until the
    /// handshake is done), the handler, and the anchor its replies are written from.
    func addPythonConnectionHandlers(peers: PythonPeers, address: PickleValue?) throws {
        let decoder = PythonFrameDecoder(maxFrameSize: PythonHandshake.maxMessageSize)
        let anchor = PythonLinkAnchor()
        try addHandlers([
            decoder,
            MessageToByteHandler(PythonFrameEncoder()),
            PythonConnectionHandler(peers: peers, address: address, decoder: decoder, anchor: anchor),
            anchor,
        ])
    }
}
