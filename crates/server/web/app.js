// The ciao page: connects to the server it came from over the IRCv3
// WebSocket protocol.
