#include "repository/kv_store.hpp"

#include <soci/soci.h>

#include "repository/clock.hpp"
#include "repository/database.hpp"

namespace cxloop::repository {

std::optional<std::string> KvStore::get(const std::string& owner, const std::string& key) const {
  std::optional<std::string> result;
  db_.read([&](soci::session& sql) {
    std::string value;
    soci::indicator ind = soci::i_null;
    sql << "SELECT value FROM plugin_kv WHERE owner = :o AND key = :k", soci::use(owner),
        soci::use(key), soci::into(value, ind);
    if (sql.got_data() && ind == soci::i_ok) result = value;
  });
  return result;
}

void KvStore::put(const std::string& owner, const std::string& key, const std::string& value) {
  const std::string now = now_rfc3339();
  db_.write([&](soci::session& sql) {
    sql << "INSERT INTO plugin_kv (owner, key, value, updated_at) VALUES (:o, :k, :v, :t) "
           "ON CONFLICT (owner, key) DO UPDATE SET value = excluded.value, "
           "updated_at = excluded.updated_at",
        soci::use(owner), soci::use(key), soci::use(value), soci::use(now);
  });
}

bool KvStore::remove(const std::string& owner, const std::string& key) {
  long long removed = 0;
  db_.write([&](soci::session& sql) {
    soci::statement st = (sql.prepare << "DELETE FROM plugin_kv WHERE owner = :o AND key = :k",
                          soci::use(owner), soci::use(key));
    st.execute(true);
    removed = st.get_affected_rows();
  });
  return removed > 0;
}

}  // namespace cxloop::repository
