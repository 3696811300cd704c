package io.synid.server.datastore;

import io.synid.core.selector.Selector;
import io.synid.server.entry.EntryFilter;
import io.synid.server.entry.EntryFilter.Match;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.statement.Query;

/**
 * Translates an {@link EntryFilter} into a SQL condition on {@code registered_entries e} with
 * named parameters. Set filters compare the entry's rows in a child table with the given set:
 * {@code matched} counts the entry's rows that are in the set, {@code total} all its rows.
 * EXACT: matched = total = |set|; SUPERSET: matched = |set|; SUBSET: matched = total; ANY:
 * matched >= 1.
 */
final class SqlFilter {
  private final String sql;
  private final Map<String, Object> params;

  private SqlFilter(String sql, Map<String, Object> params) {
    this.sql = sql;
    this.params = params;
  }

  String sql() {
    return sql;
  }

  void bindTo(Query query) {
    params.forEach(query::bind);
  }

  static SqlFilter of(EntryFilter filter) {
    StringBuilder sql = new StringBuilder();
    Map<String, Object> params = new LinkedHashMap<>();
    filter.spiffeId().ifPresent(v -> {
      sql.append(" AND e.spiffe_id = :fSpiffeId");
      params.put("fSpiffeId", v);
    });
    filter.parentId().ifPresent(v -> {
      sql.append(" AND e.parent_id = :fParentId");
      params.put("fParentId", v);
    });
    filter.hint().ifPresent(v -> {
      sql.append(" AND e.hint = :fHint");
      params.put("fHint", v);
    });
    filter.downstream().ifPresent(v -> {
      sql.append(" AND e.downstream = :fDownstream");
      params.put("fDownstream", v ? 1 : 0);
    });
    filter.selectors().ifPresent(f -> {
      List<String> conditions = new ArrayList<>();
      int i = 0;
      for (Selector s : f.values()) {
        conditions.add("(c.type = :fSelT" + i + " AND c.value = :fSelV" + i + ")");
        params.put("fSelT" + i, s.type());
        params.put("fSelV" + i, s.value());
        i++;
      }
      sql.append(setCondition("entry_selectors", conditions, distinctCount(f.values()), f.match()));
    });
    filter.federatesWith().ifPresent(f -> {
      List<String> conditions = new ArrayList<>();
      int i = 0;
      for (String td : f.values()) {
        conditions.add("c.trust_domain = :fFed" + i);
        params.put("fFed" + i, td);
        i++;
      }
      sql.append(setCondition("entry_federates_with", conditions, distinctCount(f.values()),
          f.match()));
    });
    return new SqlFilter(sql.toString(), params);
  }

  private static int distinctCount(List<?> values) {
    return (int) values.stream().distinct().count();
  }

  private static String setCondition(String table, List<String> conditions, int size, Match match) {
    if (conditions.isEmpty()) {
      // An empty set: EXACT and SUBSET match entries with no rows; SUPERSET matches all; ANY none.
      return switch (match) {
        case EXACT, SUBSET -> " AND NOT EXISTS (SELECT 1 FROM " + table + " c WHERE c.entry_id = e.id)";
        case SUPERSET -> "";
        case ANY -> " AND 1=0";
      };
    }
    String inSet = "(" + String.join(" OR ", conditions) + ")";
    String matched = "(SELECT COUNT(*) FROM " + table + " c WHERE c.entry_id = e.id AND " + inSet + ")";
    String total = "(SELECT COUNT(*) FROM " + table + " c WHERE c.entry_id = e.id)";
    // Restrict candidates with the (type, value) index first; the counts then run per candidate.
    String candidate = " AND e.id IN (SELECT c.entry_id FROM " + table + " c WHERE " + inSet + ")";
    return switch (match) {
      case ANY -> candidate;
      case SUPERSET -> candidate + " AND " + matched + " = " + size;
      case EXACT -> candidate + " AND " + matched + " = " + size + " AND " + total + " = " + size;
      case SUBSET -> candidate + " AND " + matched + " = " + total;
    };
  }
}
