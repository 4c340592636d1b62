package slamon.peers;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes and validates one Kafka message the way slamon's events/codec.cc does
 * (docs/events.md): the same size limit, UTF-8 check, plain and CloudEvents envelopes,
 * required fields, enums, RFC 3339 grammar and payload rules. Anything slamon would
 * quarantine yields null. Only the fields the first-response projection needs are kept.
 */
final class SlamonDecoder {
  static final int MAX_MESSAGE_BYTES = 65536;
  static final int MAX_ID_BYTES = 256;

  /** Event type names indexed by canonical type rank (docs/sla-semantics.md). */
  static final List<String> TYPES = List.of("account.upserted", "account.churned", "ticket.opened",
      "ticket.status_changed", "ticket.priority_changed", "ticket.replied", "ticket.resolved",
      "ticket.reopened", "survey.answered", "interaction.logged");
  static final int ACCOUNT_UPSERTED = 0, TICKET_OPENED = 2, TICKET_REPLIED = 5;
  private static final List<String> PRIORITIES = List.of("urgent", "high", "normal", "low");
  private static final List<String> STATUSES = List.of("open", "pending", "on_hold", "solved", "closed");
  private static final List<String> AUTHORS = List.of("agent", "customer");
  private static final List<String> KINDS = List.of("call", "meeting", "email", "qbr");
  private static final List<String> DIRECTIONS = List.of("inbound", "outbound");

  /** A decoded, valid event (fields not needed for first response are validated, then dropped). */
  static final class Event {
    String id;
    int type;
    long t;
    String accountId;
    String ticketId;  // ticket events
    String tier;      // account.upserted
    boolean agent;    // ticket.replied
    boolean isPublic = true;
  }

  /** Thrown for anything slamon would quarantine; no stack trace, it is an expected path. */
  static final class Reject extends Exception {
    Reject(String why) {
      super(why, null, false, false);
    }
  }

  private final ObjectMapper mapper = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  Event decode(byte[] raw) throws Reject {
    if (raw == null) throw new Reject("malformed_json");
    if (raw.length > MAX_MESSAGE_BYTES) throw new Reject("oversize");
    if (!validUtf8(raw)) throw new Reject("invalid_utf8");
    JsonNode root;
    try {
      root = mapper.readTree(raw);
    } catch (Exception e) {
      throw new Reject("malformed_json");
    }
    if (root == null || !root.isObject()) throw new Reject("malformed_json");
    Event ev = new Event();

    boolean cloudevents = false;
    JsonNode sv = field(root, "specversion");
    if (sv != null) {
      if (!sv.isTextual() || !sv.textValue().equals("1.0")) throw new Reject("invalid_field specversion");
      cloudevents = true;
    }
    String timeKey = cloudevents ? "time" : "occurred_at";
    ev.id = requiredId(root, "id");
    String type = string(root, "type", true, false, Integer.MAX_VALUE);
    ev.type = TYPES.indexOf(type);
    if (ev.type < 0) throw new Reject("unknown_type");
    JsonNode time = field(root, timeKey);
    if (time == null) throw new Reject("missing_field " + timeKey);
    if (!time.isTextual()) throw new Reject("bad_timestamp");
    long t = parseRfc3339(time.textValue());
    if (t == Long.MIN_VALUE) throw new Reject("bad_timestamp");
    ev.t = t;

    JsonNode payload = root;
    if (cloudevents) {
      JsonNode d = field(root, "data");
      if (d == null) throw new Reject("missing_field data");
      if (!d.isObject()) throw new Reject("invalid_field data");
      payload = d;
      if (field(payload, "account_id") != null) {
        ev.accountId = requiredId(payload, "account_id");
      } else if (field(root, "subject") != null) {
        ev.accountId = requiredId(root, "subject");
      } else {
        throw new Reject("missing_field account_id");
      }
    } else {
      ev.accountId = requiredId(root, "account_id");
    }
    decodePayload(payload, ev);
    return ev;
  }

  private static void decodePayload(JsonNode p, Event ev) throws Reject {
    switch (ev.type) {
      case 0 -> {  // account.upserted
        string(p, "name", true, false, Integer.MAX_VALUE);
        ev.tier = string(p, "tier", true, true, Integer.MAX_VALUE);
        string(p, "owner", true, false, Integer.MAX_VALUE);
        string(p, "owner_email", false, false, Integer.MAX_VALUE);
        string(p, "team", false, false, Integer.MAX_VALUE);
        string(p, "calendar", false, false, Integer.MAX_VALUE);
        JsonNode cv = field(p, "contract_value");
        if (cv != null && !cv.isNumber()) throw new Reject("invalid_field contract_value");
        String renewal = string(p, "renewal_date", false, false, Integer.MAX_VALUE);
        if (renewal != null && !renewal.isEmpty() && !(renewal.length() == 10 && datePrefix(renewal) != Long.MIN_VALUE)) {
          throw new Reject("invalid_field renewal_date");
        }
      }
      case 1 -> string(p, "reason", false, false, Integer.MAX_VALUE);
      case 2 -> {  // ticket.opened
        ev.ticketId = requiredId(p, "ticket_id");
        requiredEnum(p, "priority", PRIORITIES);
        string(p, "channel", false, false, Integer.MAX_VALUE);
      }
      case 4 -> {
        ev.ticketId = requiredId(p, "ticket_id");
        requiredEnum(p, "priority", PRIORITIES);
      }
      case 3 -> {
        ev.ticketId = requiredId(p, "ticket_id");
        requiredEnum(p, "status", STATUSES);
      }
      case 5 -> {  // ticket.replied
        ev.ticketId = requiredId(p, "ticket_id");
        ev.agent = requiredEnum(p, "author", AUTHORS) == 0;
        JsonNode pub = field(p, "public");
        if (pub != null) {
          if (!pub.isBoolean()) throw new Reject("invalid_field public");
          ev.isPublic = pub.booleanValue();
        }
      }
      case 6, 7 -> ev.ticketId = requiredId(p, "ticket_id");
      case 8 -> {
        string(p, "ticket_id", false, false, MAX_ID_BYTES);
        JsonNode s = field(p, "score");
        if (s == null) throw new Reject("missing_field score");
        // slamon accepts only a JSON integer token that fits int64, 1..5.
        if (!s.isIntegralNumber() || !s.canConvertToLong() || s.longValue() < 1 || s.longValue() > 5) {
          throw new Reject("invalid_field score");
        }
        string(p, "comment", false, false, Integer.MAX_VALUE);
      }
      case 9 -> {
        requiredEnum(p, "kind", KINDS);
        requiredEnum(p, "direction", DIRECTIONS);
      }
      default -> throw new Reject("unknown_type");
    }
  }

  /** JSON null counts as absent (codec.cc Field). */
  private static JsonNode field(JsonNode obj, String key) {
    JsonNode e = obj.get(key);
    return e == null || e.isNull() ? null : e;
  }

  private static String string(JsonNode obj, String key, boolean required, boolean nonEmpty, int maxBytes)
      throws Reject {
    JsonNode e = field(obj, key);
    if (e == null) {
      if (required) throw new Reject("missing_field " + key);
      return null;
    }
    if (!e.isTextual()) throw new Reject("invalid_field " + key);
    String v = e.textValue();
    if (nonEmpty && v.isEmpty()) throw new Reject("invalid_field " + key);
    if (maxBytes != Integer.MAX_VALUE && utf8Length(v) > maxBytes) throw new Reject("invalid_field " + key);
    return v;
  }

  private static String requiredId(JsonNode obj, String key) throws Reject {
    return string(obj, key, true, true, MAX_ID_BYTES);
  }

  private static int requiredEnum(JsonNode obj, String key, List<String> choices) throws Reject {
    int i = choices.indexOf(string(obj, key, true, false, Integer.MAX_VALUE));
    if (i < 0) throw new Reject("invalid_field " + key);
    return i;
  }

  private static int utf8Length(String s) {
    int n = s.length();
    for (int i = 0; i < s.length(); ++i) {
      char c = s.charAt(i);
      if (c >= 0x80) n += c >= 0x800 && !Character.isSurrogate(c) ? 2 : 1;  // a surrogate pair is 4 bytes
    }
    return n;
  }

  /** Well-formed UTF-8 (Unicode table 3-7: no overlongs, no surrogates, at most U+10FFFF). */
  static boolean validUtf8(byte[] b) {
    int i = 0, n = b.length;
    while (i < n) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        ++i;
        continue;
      }
      int need, lo = 0x80, hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
      } else {
        return false;
      }
      if (i + need >= n) return false;
      int c1 = b[i + 1] & 0xFF;
      if (c1 < lo || c1 > hi) return false;
      for (int k = 2; k <= need; ++k) {
        int ck = b[i + k] & 0xFF;
        if (ck < 0x80 || ck > 0xBF) return false;
      }
      i += need + 1;
    }
    return true;
  }

  // ---- RFC 3339, exactly slamon's grammar (codec.cc ParseRfc3339) ----

  private static boolean digits(String s, int pos, int n) {
    for (int i = pos; i < pos + n; ++i) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') return false;
    }
    return true;
  }

  private static int num(String s, int pos, int n) {
    int v = 0;
    for (int i = pos; i < pos + n; ++i) v = v * 10 + (s.charAt(i) - '0');
    return v;
  }

  static long daysFromCivil(long y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }

  /** Days since 1970-01-01 of the YYYY-MM-DD prefix, or Long.MIN_VALUE. */
  static long datePrefix(String s) {
    if (s.length() < 10 || s.charAt(4) != '-' || s.charAt(7) != '-') return Long.MIN_VALUE;
    if (!digits(s, 0, 4) || !digits(s, 5, 2) || !digits(s, 8, 2)) return Long.MIN_VALUE;
    int y = num(s, 0, 4), m = num(s, 5, 2), d = num(s, 8, 2);
    if (m < 1 || m > 12 || d < 1) return Long.MIN_VALUE;
    boolean leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    int[] days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int dim = m == 2 && leap ? 29 : days[m - 1];
    if (d > dim) return Long.MIN_VALUE;
    return daysFromCivil(y, m, d);
  }

  /**
   * Unix seconds (fraction truncated) or Long.MIN_VALUE. Same grammar as slamon:
   * YYYY-MM-DD(T|t)HH:MM:SS[.digits](Z|z|+HH:MM|-HH:MM), no leap second.
   */
  static long parseRfc3339(String s) {
    if (s.length() < 20) return Long.MIN_VALUE;
    long days = datePrefix(s);
    if (days == Long.MIN_VALUE) return Long.MIN_VALUE;
    if ((s.charAt(10) != 'T' && s.charAt(10) != 't') || s.charAt(13) != ':' || s.charAt(16) != ':') {
      return Long.MIN_VALUE;
    }
    if (!digits(s, 11, 2) || !digits(s, 14, 2) || !digits(s, 17, 2)) return Long.MIN_VALUE;
    int hh = num(s, 11, 2), mm = num(s, 14, 2), ss = num(s, 17, 2);
    if (hh > 23 || mm > 59 || ss > 59) return Long.MIN_VALUE;
    int pos = 19;
    if (s.charAt(pos) == '.') {
      int start = ++pos;
      while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') ++pos;
      if (pos == start) return Long.MIN_VALUE;
    }
    if (pos >= s.length()) return Long.MIN_VALUE;
    long offset = 0;
    char c = s.charAt(pos);
    if (c == 'Z' || c == 'z') {
      if (pos + 1 != s.length()) return Long.MIN_VALUE;
    } else if (c == '+' || c == '-') {
      if (s.length() - pos != 6 || s.charAt(pos + 3) != ':') return Long.MIN_VALUE;
      if (!digits(s, pos + 1, 2) || !digits(s, pos + 4, 2)) return Long.MIN_VALUE;
      int oh = num(s, pos + 1, 2), om = num(s, pos + 4, 2);
      if (oh > 23 || om > 59) return Long.MIN_VALUE;
      offset = (c == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    } else {
      return Long.MIN_VALUE;
    }
    return days * 86400 + hh * 3600L + mm * 60L + ss - offset;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
