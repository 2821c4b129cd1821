/** External controllers: the protocol (docs/controller-protocol.md), its framing and its transports. */
export { connectController, DEFAULT_CLOSE_GRACE_MS, DEFAULT_REPLY_TIMEOUT_MS, splitCommandLine, type ConnectOptions, type ExternalController } from './external.js';
export { helloMessage, PROTOCOL_VERSION, ProtocolError, readActions, summaryMessage, telemetryMessage } from './protocol.js';
export type { ActionsMessage, EmuMessage, HelloMessage, SummaryMessage, TelemetryMessage } from './protocol.js';
export { encodeFrame, FrameDecoder, MAX_MESSAGE_BYTES, WireError } from './wire.js';
