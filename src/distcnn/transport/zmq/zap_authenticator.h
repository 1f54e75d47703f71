// ZapAuthenticator: who may connect to one CURVE server socket (docs/security.md).
// A ZAP handler (RFC 27, inproc://zeromq.zap.01 of the socket's context)
// accepts only the client public keys it was given, each speaking as one
// PeerId (the connection's User-Id, which the transport checks against the
// routing id a message claims), and a monitor of the server socket counts the
// handshakes that fail before ZAP is asked (no key, a wrong key). Every
// refusal is counted and described once. One thread serves both; the public
// functions are thread-safe. Destroy it before the server socket and context.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "distcnn/base/status.h"
#include "distcnn/transport/transport.h"

namespace distcnn::transport {

class ZapAuthenticator {
 public:
  // Called on the authenticator's thread with one line per refusal.
  using Notify = std::function<void(const std::string&)>;

  // Binds the ZAP endpoint of `context` (call before the server socket
  // accepts connections) and starts watching `server`'s handshakes. With
  // `hold_unknown`, a key not (yet) allowed is neither accepted nor refused
  // until Seal(). IoError if ZeroMQ refuses (another handler is bound).
  static Result<std::unique_ptr<ZapAuthenticator>> Start(zmq::context_t& context,
                                                         zmq::socket_t& server, bool hold_unknown,
                                                         Notify notify);
  ~ZapAuthenticator();
  ZapAuthenticator(const ZapAuthenticator&) = delete;
  ZapAuthenticator& operator=(const ZapAuthenticator&) = delete;

  // Accepts clients presenting `public_key` (Z85) as `peer` from now on.
  void Allow(PeerId peer, const std::string& public_key);

  // Ends holding: held handshakes are answered now and unknown keys are
  // refused at once from here on.
  void Seal();

  // Refused handshakes so far (ZAP refusals and failed handshakes).
  uint64_t refused() const { return refused_.load(); }

 private:
  ZapAuthenticator(zmq::context_t& context, zmq::socket_t& server, bool hold_unknown,
                   Notify notify);
  void Serve();
  // Answers one ZAP request (the ROUTER's frames); returns false to hold it.
  bool Answer(std::vector<zmq::message_t>& request, bool sealed);
  void OnMonitorEvent();
  void Refuse(const std::string& what);
  void Wake(const char* command);

  zmq::context_t& context_;
  zmq::socket_t& server_;
  const bool hold_unknown_;
  Notify notify_;
  std::string wake_endpoint_;
  std::string monitor_endpoint_;
  zmq::socket_t zap_;      // ROUTER: answers may wait (held requests)
  zmq::socket_t monitor_;  // PAIR: the server socket's events
  zmq::socket_t wake_in_;  // PAIR: Seal() and the destructor
  std::mutex wake_mutex_;
  zmq::socket_t wake_out_;
  mutable std::mutex keys_mutex_;
  std::map<std::string, PeerId> allowed_;  // Z85 public key -> peer
  bool sealed_ = false;
  std::atomic<uint64_t> refused_{0};
  std::vector<std::vector<zmq::message_t>> held_;  // the thread's only
  std::thread thread_;
};

}  // namespace distcnn::transport
