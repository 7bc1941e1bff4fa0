// sync_session.h: the part of a sync session (docs/protocol.md §9–§10) both
// ends share — frame decoding, limits, time-outs, and the per-scope transfer
// (RECONCILE, RECORDS, WANT, DONE) — independent of any socket: frames in
// through OnFrame, frames out through NextFrame. The client and server
// state tables live in sync_client_session.h and sync_server_session.h.
//
// Thread-safety: none; one thread drives a session.
#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/sync/chunk_exchange.h"
#include "node/sync/chunk_storer.h"
#include "node/sync/peer_policy.h"
#include "node/sync/sync_backend.h"
#include "protocol/clock.h"
#include "protocol/wire.h"

namespace credmesh {

struct SyncStats {
  uint64_t frames_sent = 0, frames_received = 0;
  uint64_t bytes_sent = 0, bytes_received = 0;
  uint64_t records_sent = 0;      // records in RECORDS we sent
  uint64_t records_received = 0;  // records in RECORDS we received
  uint64_t records_inserted = 0;  // of those, new to us
  uint64_t records_refused = 0;   // of those, refused by policy (422)
  uint64_t round_trips = 0;       // times we received after having sent
  // Version 2 file phase (docs/protocol.md §16).
  uint64_t chunks_sent = 0, chunk_bytes_sent = 0;  // CHUNKs we served with bytes
  uint64_t chunks_received = 0;                    // chunks stored from the peer
  uint64_t chunk_bytes_received = 0;               // their bytes
  uint64_t chunks_rejected = 0;                    // chunks whose bytes did not match their hash
  uint64_t chunks_unavailable = 0;                 // GETs the peer answered without bytes
  SyncStats& operator+=(const SyncStats& o);
};

struct SessionOptions {
  wire::SessionLimits limits;  // what we accept (HELLO / the server's own)
  // Received RECORDS frames are verified off the session thread, at most
  // 2 * verify_threads at once (each on its own thread; the OS shares the
  // cores), while the session thread stores earlier ones. At least 1.
  unsigned verify_threads = 1;
  // Received RECORDS frames held, being verified or waiting for a verify
  // thread, before the session thread stops reading to store the oldest.
  // Bounds a session's memory (each frame is at most the `mb` limit); high
  // enough that the session reads on to the peer's next RECONCILE and
  // answers it while earlier frames are still being verified.
  unsigned max_frames_held = 16;
  int64_t idle_timeout_ms = 30'000;
  int64_t heartbeat_ms = 10'000;
  // A session in which nothing but PING and PONG has travelled either way
  // for this long ends with ERROR 408: PINGs prove a peer alive, not busy
  // with the session (docs/protocol.md §7, §10.4).
  int64_t progress_timeout_ms = 60'000;
  // A session ends with ERROR 408 this long after it began, whatever it is
  // doing; what it transferred is kept, and the next session goes on.
  int64_t max_session_ms = 30 * 60'000;
  // Bytes handed to the transport that the peer has not yet shown it read
  // (docs/protocol.md §13): past this, the session sends nothing but PING
  // and PONG, and produces nothing new, until the PONG of its probe PING
  // arrives. Bounds what a peer that does not read can make us queue.
  int64_t send_window_bytes = 2 * 1024 * 1024;
  // Received frames the transport may hold that the session has not read
  // yet (ZMQ_RCVHWM), each at most limits.max_message_bytes plus
  // kTransportSlack (ZMQ_MAXMSGSIZE, which counts CURVE's envelope too: a
  // larger frame makes the transport drop the connection; one in the slack
  // is answered 413). Bounds what a peer sending while we are busy can make
  // us hold, in bytes (docs/protocol.md §13).
  int inbound_frames = 4;
  static constexpr int64_t kTransportSlack = 1024;
  std::string agent = "credmesh/0.1.0";
  // Evidence file chunks (version 2, docs/protocol.md §16): null speaks
  // version 1 only (records). Must outlive the session.
  ChunkExchange* chunks = nullptr;
  // Client: GETs kept outstanding (1..16).
  unsigned chunk_credit = 8;
  // Client: chunk hashes listed for one session; the rest next session.
  size_t max_fetch_list = 65536;
  // Client: rejected (corrupt) chunks before the session ends with ERROR 400.
  unsigned max_bad_chunks = 8;
  // Client: bytes per second to pull chunks at; 0: no cap (docs/protocol.md §16.3).
  int64_t max_rate_bytes = 0;
  // Received chunks are hashed, written and committed on a thread of the
  // session's own (ChunkStorer), so that the session goes on receiving and
  // asking meanwhile; fewer than 2 x chunk_credit wait to be stored. False:
  // on the session's thread, as each CHUNK arrives (tests that step two
  // sessions frame by frame use it to see each chunk stored at once).
  bool chunk_store_thread = true;
  // Received chunks made durable by one commit (a file-system sync,
  // docs/files.md §3), or the credit if it is larger: 32 chunks (8 MiB).
  // What a crash (not a cut: a closing session commits what arrived) can
  // cost to fetch again is less than two commits.
  size_t chunks_per_commit = 32;
};

class SyncSession {
 public:
  // kFiles: the file phase after the last scope (version 2, both sides).
  enum class State { kStart, kExpectWelcome, kExpectHello, kSyncing, kFiles, kClosed };

  // Closes the session if still open (as Close: stores and commits what
  // was received).
  virtual ~SyncSession();
  SyncSession(const SyncSession&) = delete;
  SyncSession& operator=(const SyncSession&) = delete;

  // RECORDS frames received and not yet stored (being verified or waiting
  // for a verify thread); at most SessionOptions::max_frames_held.
  size_t frames_held() const { return arrivals_.size(); }

  // Handles one received frame (the application frame, no routing id).
  // Records it carries are verified on other threads and stored later, in
  // order, by OnFrame, NextFrame or Tick.
  void OnFrame(ByteView frame);
  // Call when no more frames are ready: stores every record still being
  // verified (waiting for it), then lets time pass: idle time-out (ERROR
  // 408) and heartbeat (PING).
  void Tick();
  // The next frame to send, or nullopt if none is ready now. Frames queued
  // before the session closed (such as its ERROR) are still returned.
  std::optional<Bytes> NextFrame();
  // Ends the session with an ERROR (e.g. 503 when shutting down).
  void Abort(wire::ErrorCode code, const std::string& text);
  // The transport lost the peer: closes without sending anything (storing
  // and committing what arrived, as every close does).
  void Disconnected();
  // Queues a PING if the session is open past WELCOME (syncing or files): a
  // check that the transport still reaches the peer, which the next send
  // makes. Otherwise does nothing.
  void Ping();
  // Bytes queued in the session plus bytes handed out by NextFrame that the
  // peer has not yet acknowledged (its PONG to a probe PING): what a peer
  // that stops reading can make us hold for it.
  int64_t queued_bytes() const { return out_bytes_ + (sent_total_ - acked_total_); }
  // True while the send window is full: NextFrame returns only PING/PONG.
  bool window_full() const;

  State state() const { return state_; }
  bool closed() const { return state_ == State::kClosed; }
  // True iff the session ended after every granted scope was complete.
  bool completed() const { return completed_; }
  const SyncStats& stats() const { return stats_; }
  // The negotiated protocol version (0 before WELCOME).
  int64_t version() const { return version_; }
  // File phase: our GETs not yet answered, and the peer's GETs we have not
  // yet answered.
  size_t gets_outstanding() const { return outstanding_.size(); }
  size_t gets_held() const { return gets_.size(); }
  const std::vector<std::string>& granted() const { return granted_; }
  const std::optional<wire::Error>& error_sent() const { return error_sent_; }
  const std::optional<wire::Error>& error_received() const { return error_received_; }
  // Non-closing 422 errors received (records the peer refused).
  const std::vector<wire::Error>& rejections() const { return rejections_; }
  // Short human description of how the session ended ("" while open).
  std::string Outcome() const;

 protected:
  SyncSession(SyncBackend& backend, PeerPolicy& policy, Clock& clock, SessionOptions options);

  // The state table: called for each decoded message of an open session.
  virtual void Handle(wire::Message message) = 0;
  // A scope became complete (both DONEs); the subclass moves on.
  virtual void OnScopeComplete() = 0;

  // The versions this side speaks: 1, and 2 with a chunk exchange.
  std::vector<int64_t> SupportedVersions() const;
  // The last scope is complete in a version-2 session: lists the chunks to
  // fetch and enters kFiles (docs/protocol.md §16).
  void BeginFiles();
  // kFiles: a CHUNK answering our oldest GET; the peer's FETCHED.
  void OnChunk(wire::Chunk& m);
  void OnFetched();
  // A GET from the peer; `allowed` if the session is version 2 and the
  // last granted scope has begun (the peer must have sent its DONE).
  void OnGet(const wire::Get& m, bool allowed);
  // kFiles: both sides have fetched all they wanted and every GET of the
  // peer is answered. The client says BYE; the server waits for it.
  virtual void OnFilesDone() {}

  // Actions.
  void Send(const wire::Message& message);
  void Fail(wire::ErrorCode code, std::string text, std::string scope = "");
  // Stores every received RECORDS frame that verifies (waiting for its
  // verification), commits what was stored (SyncBackend::Flush) and enters
  // kClosed, whatever the reason the session ends.
  void Close();
  void OnPeerError(const wire::Error& e);  // 422: note it; otherwise close
  void BeginScope(const std::string& scope, bool initiate);
  bool HasScope() const { return run_.has_value(); }
  const std::string& CurrentScope() const { return run_->scope; }
  void EndScope() {
    run_.reset();
    wanted_.clear();
  }
  bool IsGranted(const std::string& scope) const;
  // Per-scope messages: checks the scope (403 / 409) and runs the transfer.
  void HandleScoped(wire::Message& message);
  // True for the per-scope messages HandleScoped takes: RECONCILE, RECORDS, WANT, DONE.
  static bool IsScoped(const wire::Message& m) {
    return std::holds_alternative<wire::Reconcile>(m) || std::holds_alternative<wire::Records>(m) ||
           std::holds_alternative<wire::Want>(m) || std::holds_alternative<wire::Done>(m);
  }

  SyncBackend& backend_;
  PeerPolicy& policy_;
  Clock& clock_;
  SessionOptions options_;
  wire::SessionLimits limits_;  // handshake limits until WELCOME, then the effective ones
  wire::SessionId session_id_;  // WELCOME "i": keys the short ids of reconciliation
  // The peer's node key, set by the subclass: records it sends are charged
  // to it (quarantine quota per peer).
  PublicKey remote_key_;
  State state_ = State::kStart;
  std::vector<std::string> granted_;
  bool completed_ = false;
  SyncStats stats_;
  int64_t version_ = 0;

 private:
  struct ScopeRun {
    std::string scope;
    bool run_over = false;
    bool awaiting = false;       // a RECONCILE from the peer is expected
    std::optional<Bytes> reply;  // our answer, sent once our pushes are out
    std::deque<RecordId> to_push;
    bool done_sent = false, done_recv = false;
  };
  void OnReconcile(const wire::Reconcile& m);
  void OnRecords(wire::Records& m);
  // The records of a received RECORDS frame: encoded until a verify thread
  // is free for it, then being verified off the session thread.
  struct Arrival {
    std::vector<Bytes> encoded;
    std::optional<std::future<std::vector<Result<VerifiedRecord>>>> verified;
  };
  // Starts verifying the oldest waiting arrivals while fewer than
  // 2 * verify_threads are being verified.
  void StartVerifications();
  // Stores verified arrivals in arrival order: every one that is ready, and
  // the oldest ones, waiting for their verification, while more than `keep`
  // remain (0: all; kNoWait: never wait).
  static constexpr size_t kNoWait = SIZE_MAX;
  void SettleArrivals(size_t keep);
  void Store(std::vector<Result<VerifiedRecord>> verified);
  void OnWant(const wire::Want& m);
  void OnDone();
  // Produces the transfer's next frames; true if it queued anything.
  bool Pump();
  // The file phase's share of Pump: the client sends GETs within its credit
  // and pace, the server answers the oldest GET.
  bool PumpFiles();

  // File phase (docs/protocol.md §16): the client's fetch list and its GETs
  // outstanding, oldest first; the server's GETs not yet answered.
  std::deque<Hash256> fetch_, outstanding_, gets_;
  int64_t files_started_ms_ = 0;
  // Chunk bytes asked for (a full chunk per GET until answered) and served
  // in this phase: what a rate cap paces.
  int64_t paced_bytes_ = 0;
  unsigned bad_chunks_ = 0;
  // Chunks stored since the last CommitChunks: committed once per credit
  // window, when no GET is outstanding, and when the session closes.
  size_t chunks_uncommitted_ = 0;
  bool chunks_committed_ = false;  // some: their names are synced at close
  bool fetched_sent_ = false, fetched_recv_ = false;
  // GETs kept outstanding: the credit, within 1..kMaxGetsOutstanding.
  size_t ChunkCredit() const;
  // Chunks stored between two durable commits: chunks_per_commit, at least the credit.
  size_t ChunksPerCommit() const;
  // Makes the chunks stored so far durable (ChunkExchange::CommitChunks;
  // with a storer, queued after them and reported by TakeStored); false if
  // the commit failed, which fails the session.
  bool CommitChunks();
  // A received chunk was stored (or refused): counts it, or asks for it
  // again; false if the session failed.
  bool OnStored(const Hash256& hash, uint64_t bytes, const Status& s);
  // Takes what the storer finished, waiting for one result if `wait`;
  // false if the session failed.
  bool TakeStored(bool wait);
  // True while more chunks may be received: fewer than the credit wait to
  // be stored.
  bool StoreRoom() const { return !storer_ || storer_->stores_pending() < ChunkCredit(); }
  bool StoringIdle() const { return !storer_ || storer_->pending() == 0; }
  // Received chunks being stored off this thread (chunk_store_thread).
  std::unique_ptr<ChunkStorer> storer_;
  // True if a rate cap lets `bytes` more go now.
  bool PaceAllows() const;
  void CheckComplete();

  std::optional<ScopeRun> run_;
  std::deque<Arrival> arrivals_;  // of the current scope, oldest first
  // Frames to send. PING and PONG go first and ignore the send window (they
  // are how the window opens again); everything else waits for it.
  enum class OutKind { kData, kRejection, kPong, kPing, kProbe };
  struct OutFrame {
    Bytes bytes;
    OutKind kind = OutKind::kData;
  };
  void Queue(Bytes bytes, OutKind kind);
  void OnPong(const wire::Pong& p);
  std::deque<OutFrame> out_, urgent_;
  int64_t out_bytes_ = 0;
  size_t pongs_queued_ = 0, rejections_queued_ = 0;
  // Flow control (§13): totals of bytes handed out, and of those the peer
  // acknowledged; the probe PING outstanding, if any.
  int64_t sent_total_ = 0, acked_total_ = 0;
  struct Probe {
    int64_t nonce = 0;
    int64_t at_total = -1;  // sent_total_ once the probe went out; -1 before
  };
  std::optional<Probe> probe_;
  // WANTs received and not yet fully answered (ids still to send), oldest first.
  std::deque<std::deque<RecordId>> wanted_;
  // Fetches the records of the next ids of `ids` for one RECORDS frame (at
  // most mr records and mb bytes) and queues it; missing ids go to `missing`.
  Status SendBatch(std::deque<RecordId>& ids, std::vector<RecordId>* missing);
  std::optional<wire::Error> error_sent_, error_received_;
  std::vector<wire::Error> rejections_;
  int64_t last_recv_ms_ = 0, last_send_ms_ = 0;
  int64_t started_ms_ = 0, last_progress_ms_ = 0;  // progress: a frame other than PING/PONG
  int64_t ping_nonce_ = 0;
  bool sent_since_recv_ = false;
  bool closing_ = false;  // Close is storing what arrived; Fail sends nothing
};

const char* SessionStateName(SyncSession::State s);

}  // namespace credmesh
