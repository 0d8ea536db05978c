// cxloopctl import customers|assets FILE: bulk loads from CSV or JSON lines. All rows or
// none; bad rows are listed with their line numbers. A progress bar on a terminal.
#include "cli/cli_command.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iomanip>

#include "cli/cli_context.hpp"
#include "import/importer.hpp"

namespace cxloop::cli {

namespace {

const workflow::Actor kCliActor{"cli", "admin"};

int run_import(const Arguments& args, import::ImportKind kind, std::ostream& out,
               std::ostream& err) {
  const std::string& path = args.at(0, "the file to import");
  std::ifstream input(path, std::ios::binary);
  if (!input) throw UsageError("cannot read '" + path + "'");
  import::Format format = import::format_from_name(args.option("format", false, path));
  const auto size = std::filesystem::file_size(path);
  const bool terminal = ::isatty(STDERR_FILENO) == 1;

  CliContext context(args.config_path, true);
  auto reader = import::RecordReader::open(input, format);
  auto progress = [&](std::size_t bytes) {
    if (!terminal || size == 0) return;
    const int width = 40;
    double done = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(size));
    int filled = static_cast<int>(done * width);
    err << "\rreading " << std::filesystem::path(path).filename().string() << " ["
        << std::string(filled, '#') << std::string(width - filled, '.') << "] " << std::setw(3)
        << static_cast<int>(done * 100) << "%" << std::flush;
  };
  auto result = import::import_records(*reader, kind, context.domain(), kCliActor, progress);
  if (terminal) err << "\n";
  const char* what = kind == import::ImportKind::customers ? "customers" : "assets";
  if (!result.ok()) {
    for (const auto& error : result.errors) {
      err << path << ":" << error["line"].get<long>() << ": "
          << (error["field"].get<std::string>().empty() ? ""
                                                        : error["field"].get<std::string>() + ": ")
          << error["message"].get<std::string>() << "\n";
    }
    out << "import of " << what << " refused: " << result.errors.size() << " bad row(s) in "
        << result.rows << " rows; nothing was imported\n";
    return 65;
  }
  out << "imported " << result.inserted << " " << what << " from " << path << "\n";
  return 0;
}

}  // namespace

std::vector<Command> import_commands() {
  return {
      {"import customers", "import customers FILE [--format csv|jsonl]",
       "load customers (name,email,phone,preferred_channel,region,tier,language,opt_outs; "
       "other columns become attributes)",
       [](const Arguments& args, std::ostream& out, std::ostream& err) {
         return run_import(args, import::ImportKind::customers, out, err);
       }},
      {"import assets", "import assets FILE [--format csv|jsonl]",
       "load the install base (customer_id or customer_email,sku,batch,serial,purchase_date,"
       "region; other columns become attributes)",
       [](const Arguments& args, std::ostream& out, std::ostream& err) {
         return run_import(args, import::ImportKind::assets, out, err);
       }},
  };
}

}  // namespace cxloop::cli
