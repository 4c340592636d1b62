package slamon.peers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Peer of slamon for scripts/peers: the first-response SLA clock (24x7 calendar;
 * targets A 3600 s, B 14400 s, C 28800 s, anything else 14400 s) as a Kafka Streams
 * application. Events are validated like slamon's decoder, kept per ticket (and
 * account upserts per account) in a persistent, changelogged state store, and
 * evaluated in canonical order (occurred_at, type rank, id) once the topic has been
 * consumed to its end. Prints per tier met / breached / open at the as-of instant as
 * one JSON line on stdout and timing figures on stderr.
 *
 * <pre>
 * java -jar slamon-peer-kstreams.jar --bootstrap B --topic T --as-of 2026-01-01T00:00:00Z \
 *     --guarantee at_least_once|exactly_once_v2 --application-id ID --state-dir DIR [--threads 1]
 * </pre>
 */
public final class FirstResponseStreams {
  static final String STORE = "first-response-events";
  static final byte TICKET = 't', ACCOUNT = 'a';

  // Progress shared between the stream threads and main: next offset per partition.
  static AtomicLongArray progress;
  static final LongAdder processed = new LongAdder(), rejected = new LongAdder(),
      future = new LongAdder(), stored = new LongAdder();
  static long asOf;

  /** Validates, drops what first response cannot use, appends the rest to its ticket/account entry. */
  static final class Ingest implements Processor<byte[], byte[], Void, Void> {
    private final SlamonDecoder decoder = new SlamonDecoder();
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, byte[]> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
      this.store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      processed.increment();
      try {
        apply(record.value());
      } finally {
        context.recordMetadata().ifPresent(m -> progress.accumulateAndGet(m.partition(), m.offset() + 1, Math::max));
      }
    }

    private void apply(byte[] value) {
      SlamonDecoder.Event ev;
      try {
        ev = decoder.decode(value);
      } catch (SlamonDecoder.Reject r) {
        rejected.increment();
        return;
      }
      if (ev.t > asOf) {  // docs/sla-semantics.md: events after the as-of time are ignored
        future.increment();
        return;
      }
      byte[] id = SlamonDecoder.utf8(ev.id);
      String key;
      ByteBuffer entry;
      if (ev.type == SlamonDecoder.ACCOUNT_UPSERTED) {
        byte[] tier = SlamonDecoder.utf8(ev.tier);
        key = (char) ACCOUNT + ev.accountId;
        entry = ByteBuffer.allocate(8 + 2 + id.length + 2 + tier.length);
        entry.putLong(ev.t).putShort((short) id.length).put(id).putShort((short) tier.length).put(tier);
      } else if (ev.type == SlamonDecoder.TICKET_OPENED || ev.type == SlamonDecoder.TICKET_REPLIED) {
        // Other ticket events cannot move a first-response clock under these policies
        // (tier-only matching, 24x7, first_response never pauses), so they are not kept.
        byte[] account = ev.type == SlamonDecoder.TICKET_OPENED ? SlamonDecoder.utf8(ev.accountId) : new byte[0];
        key = (char) TICKET + ev.ticketId;
        entry = ByteBuffer.allocate(8 + 1 + 1 + 2 + id.length + 2 + account.length);
        entry.putLong(ev.t).put((byte) ev.type).put((byte) (ev.agent && ev.isPublic ? 1 : 0))
            .putShort((short) id.length).put(id).putShort((short) account.length).put(account);
      } else {
        return;
      }
      byte[] old = store.get(key);
      byte[] next;
      if (old == null) {
        next = entry.array();
      } else {
        next = Arrays.copyOf(old, old.length + entry.capacity());
        System.arraycopy(entry.array(), 0, next, old.length, entry.capacity());
      }
      store.put(key, next);
      stored.increment();
    }
  }

  record TicketEvent(long t, int type, boolean agentPublic, byte[] id, String account) {}

  record Upsert(long t, byte[] id, String tier) {}

  static final Comparator<TicketEvent> CANONICAL = Comparator.comparingLong(TicketEvent::t)
      .thenComparingInt(TicketEvent::type)
      .thenComparing(TicketEvent::id, Arrays::compareUnsigned);
  static final Comparator<Upsert> UPSERT_ORDER = Comparator.comparingLong(Upsert::t)
      .thenComparing(Upsert::id, Arrays::compareUnsigned);

  static String str(ByteBuffer b) {
    byte[] s = new byte[b.getShort() & 0xFFFF];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }

  static byte[] bytes(ByteBuffer b) {
    byte[] s = new byte[b.getShort() & 0xFFFF];
    b.get(s);
    return s;
  }

  static long target(String tier) {
    return switch (tier) {
      case "A" -> 3600;
      case "B" -> 14400;
      case "C" -> 28800;
      default -> 14400;
    };
  }

  /** Per tier {met, breached, open}, from all local stores (every partition). */
  static TreeMap<String, long[]> evaluate(ReadOnlyKeyValueStore<String, byte[]> store) {
    Map<String, List<TicketEvent>> tickets = new HashMap<>();
    Map<String, List<Upsert>> accounts = new HashMap<>();
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, byte[]> kv = it.next();
        ByteBuffer b = ByteBuffer.wrap(kv.value);
        String name = kv.key.substring(1);
        if (kv.key.charAt(0) == ACCOUNT) {
          List<Upsert> ups = accounts.computeIfAbsent(name, k -> new ArrayList<>());
          while (b.hasRemaining()) ups.add(new Upsert(b.getLong(), bytes(b), str(b)));
        } else {
          List<TicketEvent> evs = tickets.computeIfAbsent(name, k -> new ArrayList<>());
          while (b.hasRemaining()) {
            long t = b.getLong();
            int type = b.get();
            boolean agentPublic = b.get() == 1;
            evs.add(new TicketEvent(t, type, agentPublic, bytes(b), str(b)));
          }
        }
      }
    }
    for (List<Upsert> ups : accounts.values()) ups.sort(UPSERT_ORDER);

    TreeMap<String, long[]> out = new TreeMap<>();
    for (List<TicketEvent> evs : tickets.values()) {
      evs.sort(CANONICAL);
      TicketEvent open = null, previous = null;
      long stop = Long.MIN_VALUE;
      for (TicketEvent e : evs) {
        // Same (occurred_at, type, id): a duplicate delivery of the same event.
        if (previous != null && CANONICAL.compare(previous, e) == 0) continue;
        previous = e;
        if (open == null) {
          if (e.type() == SlamonDecoder.TICKET_OPENED) open = e;  // earlier ticket events change no clock
          continue;
        }
        if (e.type() == SlamonDecoder.TICKET_REPLIED && e.agentPublic()) {  // a 2nd opened is ignored
          stop = e.t();
          break;
        }
      }
      if (open == null) continue;
      String tier = "unknown";
      List<Upsert> ups = accounts.get(open.account());
      if (ups != null) {  // latest upsert at or before the open; upserts rank before opens
        for (Upsert u : ups) {
          if (u.t() > open.t()) break;
          tier = u.tier();
        }
      }
      long elapsed = (stop != Long.MIN_VALUE ? stop : Math.max(asOf, open.t())) - open.t();
      long[] counts = out.computeIfAbsent(tier, k -> new long[3]);
      if (elapsed >= target(tier)) {
        counts[1]++;
      } else if (stop != Long.MIN_VALUE) {
        counts[0]++;
      } else {
        counts[2]++;
      }
    }
    return out;
  }

  static String arg(Map<String, String> args, String name, String dflt) {
    String v = args.getOrDefault(name, dflt);
    if (v == null) {
      System.err.println("missing --" + name);
      System.exit(2);
    }
    return v;
  }

  public static void main(String[] argv) throws Exception {
    final long jvmStartMs = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      if (!argv[i].startsWith("--")) {
        System.err.println("usage: --bootstrap B --topic T --as-of RFC3339 --guarantee G --application-id ID "
            + "--state-dir DIR [--threads N] [--timeout-s S]");
        System.exit(2);
      }
      args.put(argv[i].substring(2), argv[i + 1]);
    }
    String bootstrap = arg(args, "bootstrap", null), topic = arg(args, "topic", null);
    String guarantee = arg(args, "guarantee", "at_least_once");
    asOf = SlamonDecoder.parseRfc3339(arg(args, "as-of", null));
    if (asOf == Long.MIN_VALUE) {
      System.err.println("--as-of: expected RFC 3339");
      System.exit(2);
    }
    int threads = Integer.parseInt(arg(args, "threads", "1"));
    long timeoutMs = Long.parseLong(arg(args, "timeout-s", "1800")) * 1000;

    // The end of the topic, as of start-up: every partition's end offset.
    long[] begin, end;
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      int n = d.partitions().size();
      Map<TopicPartition, OffsetSpec> earliest = new HashMap<>(), latest = new HashMap<>();
      for (int p = 0; p < n; ++p) {
        earliest.put(new TopicPartition(topic, p), OffsetSpec.earliest());
        latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> b = admin.listOffsets(earliest).all().get();
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e = admin.listOffsets(latest).all().get();
      begin = new long[n];
      end = new long[n];
      for (int p = 0; p < n; ++p) {
        begin[p] = b.get(new TopicPartition(topic, p)).offset();
        end[p] = e.get(new TopicPartition(topic, p)).offset();
      }
    }
    long records = 0;
    for (int p = 0; p < end.length; ++p) records += end[p] - begin[p];
    progress = new AtomicLongArray(end.length);

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, arg(args, "application-id", null));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.STATE_DIR_CONFIG, arg(args, "state-dir", null));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);

    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
        Serdes.ByteArray()));
    builder.stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())).process(Ingest::new, STORE);

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    final long t0 = System.nanoTime();
    streams.start();
    final long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      boolean done = true;
      for (int p = 0; p < end.length; ++p) done &= progress.get(p) >= end[p] || end[p] == begin[p];
      if (done) break;
      KafkaStreams.State s = streams.state();
      if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING
          || System.currentTimeMillis() > deadline) {
        System.err.println("[kstreams] failed before the end of the topic: state " + s + ", processed "
            + processed.sum() + " of " + records);
        streams.close(Duration.ofSeconds(10));
        System.exit(3);
      }
      Thread.sleep(20);
    }
    final double catchUpS = (System.nanoTime() - t0) / 1e9;

    final long t1 = System.nanoTime();
    TreeMap<String, long[]> result = null;
    while (result == null) {
      try {
        result = evaluate(streams.store(StoreQueryParameters.fromNameAndType(STORE,
            QueryableStoreTypes.<String, byte[]>keyValueStore())));
      } catch (InvalidStateStoreException e) {  // still rebalancing: retry
        if (System.currentTimeMillis() > deadline) throw e;
        Thread.sleep(50);
      }
    }
    final double evalS = (System.nanoTime() - t1) / 1e9;

    ObjectMapper mapper = new ObjectMapper();
    ObjectNode json = mapper.createObjectNode();
    for (Map.Entry<String, long[]> e : result.entrySet()) {
      json.putObject(e.getKey()).put("met", e.getValue()[0]).put("breached", e.getValue()[1])
          .put("open", e.getValue()[2]);
    }
    System.out.println(mapper.writeValueAsString(json));
    System.out.flush();

    final long t2 = System.nanoTime();
    streams.close(Duration.ofSeconds(60));
    final double closeS = (System.nanoTime() - t2) / 1e9;
    final double sinceJvmS = (System.currentTimeMillis() - jvmStartMs) / 1000.0;
    System.err.printf("[kstreams] guarantee=%s threads=%d records=%d processed=%d rejected=%d after_as_of=%d "
            + "stored=%d%n", guarantee, threads, records, processed.sum(), rejected.sum(), future.sum(),
        stored.sum());
    System.err.printf("[kstreams] catch-up %.2f s (%.0f records/s from streams.start()), evaluate %.2f s, "
            + "close %.2f s, JVM start to exit %.2f s%n", catchUpS, records / catchUpS, evalS, closeS, sinceJvmS);
    System.exit(0);
  }
}
