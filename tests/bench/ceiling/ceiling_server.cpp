// The ceiling reference for the intake benchmark: the least work a server on this machine must
// do to accept a case over HTTP, so cxloopd's figures can be read as a share of what the
// hardware allows rather than as absolute numbers that change with every machine.
//
// It uses the same stack as cxloopd (Poco HTTPServer with its own thread pool and keep-alive,
// nlohmann/json parsing of the case body) and answers POST /api/v1/cases in one of three modes:
//   --mode answer      201 at once: the HTTP + JSON ceiling.
//   --mode sqlite      201 only after the case row is durable in a SQLite file (WAL,
//                      synchronous=FULL), committed by one writer thread that takes every queued
//                      insert into one transaction (group commit): the storage ceiling.
//   --mode postgresql  201 only after one INSERT of the case row, run on a connection of a
//                      pool of --pool libpq connections in autocommit, has committed: the server
//                      groups concurrent commits into one WAL flush itself (its default
//                      synchronous_commit), which is the PostgreSQL storage ceiling.
// It is a measuring stick, not product code: no auth, no customers table, no events.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct CaseRow {
  std::string email, channel, subject, body, sku, batch;
};

// Where a case row goes; insert returns its id once the row is durable.
class CaseWriter {
 public:
  virtual ~CaseWriter() = default;
  virtual std::int64_t insert(CaseRow row) = 0;
};

// One writer thread owns the only connection. Callers queue a row and block until the
// transaction holding it has committed (one fsync of the WAL for the whole batch).
class GroupCommitWriter : public CaseWriter {
 public:
  explicit GroupCommitWriter(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      throw std::runtime_error("cannot open SQLite file " + path + ": " + sqlite3_errmsg(db_));
    }
    exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        " CREATE TABLE IF NOT EXISTS cases (id INTEGER PRIMARY KEY, customer_email TEXT NOT NULL,"
        " channel TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, sku TEXT,"
        " batch TEXT, created_at INTEGER NOT NULL)");
    const char* sql =
        "INSERT INTO cases (customer_email, channel, subject, body, sku, batch,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, strftime('%s','now'))";
    if (sqlite3_prepare_v2(db_, sql, -1, &insert_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("cannot prepare insert: ") + sqlite3_errmsg(db_));
    }
    thread_ = std::thread([this] { run(); });
  }

  ~GroupCommitWriter() {
    std::unique_lock<std::mutex> lock(mutex_);
    stopping_ = true;
    lock.unlock();
    queued_.notify_one();
    thread_.join();
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
  }

  // Returns the new row id once it is committed; throws with SQLite's message otherwise.
  std::int64_t insert(CaseRow row) override {
    Pending pending;
    pending.row = std::move(row);
    std::unique_lock<std::mutex> lock(mutex_);
    queue_.push_back(&pending);
    queued_.notify_one();
    pending.committed.wait(lock, [&] { return pending.done; });
    if (pending.error) throw std::runtime_error(*pending.error);
    return pending.id;
  }

 private:
  struct Pending {
    CaseRow row;
    bool done = false;
    // Its own condition variable, so a commit wakes only the requests it holds. The writer
    // signals it with mutex_ held: the owner cannot return (and destroy it) before the
    // writer lets go of mutex_, after which the writer no longer touches it.
    std::condition_variable committed;
    std::int64_t id = 0;
    std::optional<std::string> error;
  };

  void exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = std::string(sql) + ": " + (message ? message : "unknown error");
      sqlite3_free(message);
      throw std::runtime_error(text);
    }
  }

  void run() {
    for (;;) {
      std::vector<Pending*> batch;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and nothing left to commit
        batch.swap(queue_);
      }
      commit(batch);
      std::lock_guard<std::mutex> lock(mutex_);
      for (Pending* pending : batch) {
        pending->done = true;
        pending->committed.notify_one();
      }
    }
  }

  // Runs on the writer thread only; the Pending rows are not touched by their owners until
  // done is set.
  void commit(const std::vector<Pending*>& batch) {
    try {
      exec("BEGIN IMMEDIATE");
      for (Pending* pending : batch) {
        const CaseRow& row = pending->row;
        const std::string* values[] = {&row.email, &row.channel, &row.subject,
                                       &row.body,  &row.sku,     &row.batch};
        for (int i = 0; i < 6; ++i) {
          sqlite3_bind_text(insert_, i + 1, values[i]->data(), static_cast<int>(values[i]->size()),
                            SQLITE_STATIC);
        }
        // A failed row only aborts its own statement; the rest of the batch still commits.
        if (sqlite3_step(insert_) == SQLITE_DONE) {
          pending->id = sqlite3_last_insert_rowid(db_);
        } else {
          pending->error = sqlite3_errmsg(db_);
        }
        sqlite3_reset(insert_);
        sqlite3_clear_bindings(insert_);
      }
      exec("COMMIT");
    } catch (const std::exception& e) {  // BEGIN or COMMIT failed: nothing of the batch is kept
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      for (Pending* pending : batch) pending->error = e.what();
    }
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::vector<Pending*> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

// A fixed pool of libpq connections; each insert borrows one, runs the prepared INSERT in
// autocommit (so it commits at once) and gives it back. No batching of our own: concurrent
// commits share WAL flushes inside PostgreSQL, as they do for cxloopd's pooled sessions.
class PostgresqlWriter : public CaseWriter {
 public:
  PostgresqlWriter(const std::string& url, int size) {
    try {
      open(url, size);
    } catch (...) {  // no destructor runs for a constructor that throws
      close();
      throw;
    }
  }

  ~PostgresqlWriter() override { close(); }

  std::int64_t insert(CaseRow row) override {
    PGconn* conn = acquire();
    const std::string* values[] = {&row.email, &row.channel, &row.subject,
                                   &row.body,  &row.sku,     &row.batch};
    const char* texts[6];
    int lengths[6];
    for (int i = 0; i < 6; ++i) {
      texts[i] = values[i]->c_str();
      lengths[i] = static_cast<int>(values[i]->size());
    }
    PGresult* result = PQexecPrepared(conn, "insert_case", 6, texts, lengths, nullptr, 0);
    std::int64_t id = 0;
    try {
      check(conn, result, PGRES_TUPLES_OK, "insert failed");
      const std::string text = PQgetvalue(result, 0, 0);
      PQclear(result);
      id = std::stoll(text);
    } catch (...) {
      release(conn);
      throw;
    }
    release(conn);
    return id;
  }

 private:
  void open(const std::string& url, int size) {
    for (int i = 0; i < size; ++i) {
      PGconn* conn = PQconnectdb(url.c_str());
      free_.push_back(conn);  // closed by close() from here on, even when it failed
      if (PQstatus(conn) != CONNECTION_OK)
        throw std::runtime_error("cannot connect to PostgreSQL: " + message(conn));
      // The first connection makes a fresh table; the others only prepare the insert.
      if (i == 0)
        run(conn,
            "DROP TABLE IF EXISTS ceiling_cases; CREATE TABLE ceiling_cases (id BIGSERIAL PRIMARY"
            " KEY, customer_email TEXT NOT NULL, channel TEXT NOT NULL, subject TEXT NOT NULL,"
            " body TEXT NOT NULL, sku TEXT, batch TEXT, created_at TIMESTAMPTZ NOT NULL)");
      PGresult* prepared =
          PQprepare(conn, "insert_case",
                    "INSERT INTO ceiling_cases (customer_email, channel, subject, body, sku, batch,"
                    " created_at) VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING id",
                    6, nullptr);
      check(conn, prepared, PGRES_COMMAND_OK, "cannot prepare the insert");
    }
  }

  void close() {
    for (PGconn* conn : free_) PQfinish(conn);
    free_.clear();
  }

  static std::string message(PGconn* conn) {
    std::string text = PQerrorMessage(conn);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

  // Clears result; throws with what and the server's message unless its status is expected.
  static void check(PGconn* conn, PGresult* result, ExecStatusType expected, const char* what) {
    if (PQresultStatus(result) == expected) return;
    PQclear(result);
    throw std::runtime_error(std::string(what) + ": " + message(conn));
  }

  static void run(PGconn* conn, const char* sql) {
    check(conn, PQexec(conn, sql), PGRES_COMMAND_OK, sql);
  }

  PGconn* acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    available_.wait(lock, [&] { return !free_.empty(); });
    PGconn* conn = free_.back();
    free_.pop_back();
    return conn;
  }

  void release(PGconn* conn) {
    if (PQstatus(conn) != CONNECTION_OK) PQreset(conn);  // a dropped connection: reopen it
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(conn);
    available_.notify_one();
  }

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<PGconn*> free_;
};

void send_json(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
               const nlohmann::json& body) {
  const std::string text = body.dump();
  response.setStatus(status);
  response.setContentType("application/json");
  response.sendBuffer(text.data(), text.size());
}

std::string string_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

class CaseIntakeHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit CaseIntakeHandler(CaseWriter* writer) : writer_(writer) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    using Poco::Net::HTTPResponse;
    if (request.getURI() != "/api/v1/cases" || request.getMethod() != "POST") {
      send_json(response, HTTPResponse::HTTP_NOT_FOUND, {{"title", "only POST /api/v1/cases"}});
      return;
    }
    std::string text;
    if (request.getContentLength() > 0) text.reserve(request.getContentLength());
    Poco::StreamCopier::copyToString(request.stream(), text);
    const nlohmann::json request_json = nlohmann::json::parse(text, nullptr, false);
    CaseRow row;
    if (request_json.is_object()) {
      row.subject = string_field(request_json, "subject");
      row.body = string_field(request_json, "body");
      row.channel = string_field(request_json, "channel");
      row.sku = string_field(request_json, "sku");
      row.batch = string_field(request_json, "batch");
      if (auto customer = request_json.find("customer");
          customer != request_json.end() && customer->is_object())
        row.email = string_field(*customer, "email");
    }
    if (row.subject.empty() || row.body.empty() || row.email.empty() || row.channel.empty()) {
      send_json(response, HTTPResponse::HTTP_BAD_REQUEST,
                {{"title", "send subject, body, channel and customer.email strings"}});
      return;
    }
    static std::atomic<std::int64_t> answered{0};
    std::int64_t id = 0;
    try {
      id = writer_ ? writer_->insert(std::move(row)) : ++answered;
    } catch (const std::exception& e) {
      send_json(response, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, {{"title", e.what()}});
      return;
    }
    send_json(response, HTTPResponse::HTTP_CREATED, {{"id", id}, {"state", "new"}});
  }

 private:
  CaseWriter* writer_;
};

class CaseIntakeFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit CaseIntakeFactory(CaseWriter* writer) : writer_(writer) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new CaseIntakeHandler(writer_);
  }

 private:
  CaseWriter* writer_;
};

int usage(const std::string& problem) {
  std::cerr << "ceiling_server: " << problem
            << "\nusage: ceiling_server --mode answer|sqlite|postgresql"
            << " [--db FILE (sqlite) | postgresql://USER:PASSWORD@HOST:PORT/DB (postgresql)]"
            << " [--pool N (postgresql connections, 4)] [--port N (0: any)]"
            << " [--threads N (HTTP pool, 32)]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> options{
      {"--mode", ""}, {"--db", ""}, {"--port", "0"}, {"--threads", "32"}, {"--pool", "4"}};
  for (int i = 1; i < argc; i += 2) {
    auto option = options.find(argv[i]);
    if (option == options.end()) return usage(std::string("unknown option ") + argv[i]);
    if (i + 1 >= argc) return usage(option->first + " needs a value");
    option->second = argv[i + 1];
  }
  const std::string mode = options["--mode"], db_path = options["--db"];
  int port = -1, threads = 0, pool = 0;
  try {
    port = std::stoi(options["--port"]);
    threads = std::stoi(options["--threads"]);
    pool = std::stoi(options["--pool"]);
  } catch (const std::logic_error&) {
    return usage("--port, --threads and --pool take numbers");
  }
  if (mode != "answer" && mode != "sqlite" && mode != "postgresql")
    return usage("--mode must be answer, sqlite or postgresql");
  if (mode == "sqlite" && db_path.empty()) return usage("--mode sqlite needs --db FILE");
  if (mode == "postgresql" && db_path.empty())
    return usage("--mode postgresql needs --db postgresql://USER:PASSWORD@HOST:PORT/DB");
  if (pool < 1) return usage("--pool must be at least 1");
  if (port < 0 || port > 65535) return usage("--port must be between 0 and 65535");
  if (threads < 1) return usage("--threads must be at least 1");

  // Blocked before any thread starts so that only sigwait below sees SIGINT and SIGTERM.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    std::unique_ptr<CaseWriter> writer;
    if (mode == "sqlite") writer = std::make_unique<GroupCommitWriter>(db_path);
    if (mode == "postgresql") writer = std::make_unique<PostgresqlWriter>(db_path, pool);

    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(threads);
    params->setMaxQueued(256);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(1000);
    params->setKeepAliveTimeout(Poco::Timespan(10, 0));
    Poco::ThreadPool pool("ceiling", 2, threads);
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", port), 256);
    Poco::Net::HTTPServer server(new CaseIntakeFactory(writer.get()), pool, socket, params);
    server.start();
    std::cout << "listening on 127.0.0.1:" << socket.address().port() << std::endl;

    int received = 0;
    sigwait(&stop_signals, &received);
    server.stopAll(true);
    pool.joinAll();
  } catch (const std::exception& e) {  // Poco's what() is only the class name
    auto poco = dynamic_cast<const Poco::Exception*>(&e);
    std::cerr << "ceiling_server: " << (poco ? poco->displayText() : e.what()) << "\n";
    return 1;
  }
  return 0;
}
