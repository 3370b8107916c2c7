package io.exflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The machine's limits for exflow's work, measured in the same run with the app stopped:
 * (a) raw Kafka through the same number of hops, (b) the handler's SQL on pgbench, (c) Redis LMOVE.
 */
final class Limits {
    /** Kafka topics an exception crosses before it is closed: ingested, normalized, triaged, decided, tool result x2. */
    static final int KAFKA_HOPS = 6;
    /** Redis commands per exception: 2 tool jobs x (LPUSH by the relay, BLMOVE to processing, LREM when done). */
    static final int REDIS_OPS_PER_EXCEPTION = 6;
    static final int PARTITIONS = 12;

    final Bench.Settings s;
    final Results results;

    Limits(Bench.Settings s, Results results) {
        this.s = s;
        this.results = results;
    }

    void measureAll() throws Exception {
        Bench.OUT.printf("%n==> limits of this machine (exflow stopped)%n");
        double eventsPerException = results.deployments.values().stream().filter(d -> !d.saturation.isEmpty())
                .findFirst().map(d -> d.median(r -> r.dbEventsPerException)).orElse(9.0);
        kafka();
        postgres(eventsPerException);
        redis();
    }

    // ---- (a) Kafka ------------------------------------------------------------------------------

    void kafka() throws Exception {
        int bytes = Math.max(200, (int) results.eventBytes);
        int count = Integer.parseInt(System.getenv().getOrDefault("BENCH_KAFKA_MESSAGES", "30000"));
        String prefix = "bench.hop." + System.currentTimeMillis() + ".";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", s.kafka()))) {
            List<NewTopic> topics = new ArrayList<>();
            for (int i = 0; i < KAFKA_HOPS; i++) {
                topics.add(new NewTopic(prefix + i, PARTITIONS, (short) 1));
            }
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
            try {
                Chain chain = new Chain(prefix, bytes);
                chain.start();
                chain.run(500, 0); // warm-up: every hop's group joined and fetching before the measured pass
                double[] sat = chain.run(count, 0);
                double[] at200 = chain.run(2000, 200);
                chain.stop();
                Bench.OUT.printf("    Kafka, %d hops, %d-byte records, %d partitions: %.0f msg/s through all hops; at 200/s p99 %.0f ms%n",
                        KAFKA_HOPS, bytes, PARTITIONS, sat[0], at200[2]);
                results.limits.add(new Results.Limit("kafka", "raw Kafka produce->consume through " + KAFKA_HOPS
                        + " hops (consume, produce acks=all, commit per poll)", sat[0], "msg/s", sat[0],
                        String.format("p50 %.0f ms, p99 %.0f ms at 200 msg/s", at200[1], at200[2])));
            } finally {
                admin.deleteTopics(topics.stream().map(NewTopic::name).toList()).all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** A producer, KAFKA_HOPS-1 relays (consume, produce, commit) and a final consumer timing arrival. */
    final class Chain {
        final String prefix;
        final byte[] value;
        final List<Thread> threads = new ArrayList<>();
        volatile boolean running = true;
        final AtomicLong received = new AtomicLong();
        volatile List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        volatile CountDownLatch ready = new CountDownLatch(KAFKA_HOPS);

        Chain(String prefix, int bytes) {
            this.prefix = prefix;
            this.value = new byte[bytes];
            java.util.Arrays.fill(value, (byte) 'x');
        }

        Properties consumerProps(String group) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafka());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            return p;
        }

        KafkaProducer<String, byte[]> producer() {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafka());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            return new KafkaProducer<>(p);
        }

        void start() throws InterruptedException {
            for (int hop = 0; hop < KAFKA_HOPS; hop++) {
                final int h = hop;
                Thread t = new Thread(() -> relay(h), "hop-" + hop);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            ready.await(60, TimeUnit.SECONDS);
        }

        void relay(int hop) {
            boolean last = hop == KAFKA_HOPS - 1;
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerProps(prefix + "g" + hop));
                    KafkaProducer<String, byte[]> out = last ? null : producer()) {
                c.subscribe(List.of(prefix + hop));
                boolean signalled = false;
                while (running) {
                    ConsumerRecords<String, byte[]> polled = c.poll(Duration.ofMillis(100));
                    if (!signalled && !c.assignment().isEmpty()) {
                        ready.countDown();
                        signalled = true;
                    }
                    if (polled.isEmpty()) {
                        continue;
                    }
                    List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
                    for (ConsumerRecord<String, byte[]> r : polled) {
                        if (last) {
                            latencies.add((System.currentTimeMillis() - r.timestamp()) * 1.0);
                            received.incrementAndGet();
                        } else {
                            // keep the original create time so the last hop measures end to end
                            acks.add(out.send(new ProducerRecord<>(prefix + (hop + 1), null, r.timestamp(), r.key(), r.value())));
                        }
                    }
                    for (var a : acks) {
                        a.get(30, TimeUnit.SECONDS); // durable before the offset moves, like exflow
                    }
                    c.commitSync();
                }
            } catch (Exception e) {
                if (running) {
                    e.printStackTrace();
                }
            }
        }

        /** @return {msg/s, p50 ms, p99 ms}; rate 0 = as fast as possible */
        double[] run(int count, int rate) throws Exception {
            received.set(0);
            latencies = Collections.synchronizedList(new ArrayList<>());
            long start = System.nanoTime();
            try (KafkaProducer<String, byte[]> p = producer()) {
                for (int i = 0; i < count; i++) {
                    if (rate > 0) {
                        long wait = start + i * (1_000_000_000L / rate) - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                    }
                    p.send(new ProducerRecord<>(prefix + 0, "k" + (i % 997) + ":" + i, value));
                    if (rate > 0) {
                        p.flush();
                    }
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (received.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            double secs = (System.nanoTime() - start) / 1e9;
            List<Double> l = new ArrayList<>(latencies);
            l.sort(null);
            return new double[] {received.get() / secs, Bench.Db.pct(l, 0.5), Bench.Db.pct(l, 0.99)};
        }

        void stop() throws InterruptedException {
            running = false;
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
    }

    // ---- (b) PostgreSQL -----------------------------------------------------------------------

    void postgres(double eventsPerException) throws Exception {
        String db = s.dbName() + "_pgbench";
        int clients = Integer.parseInt(System.getenv().getOrDefault("BENCH_PG_CLIENTS", s.concurrency()));
        int seconds = Integer.parseInt(System.getenv().getOrDefault("BENCH_PG_SECONDS", "15"));
        int batch = Integer.parseInt(System.getenv().getOrDefault("BENCH_PG_BATCH", "10"));
        sh("psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)",
                "-c", "CREATE DATABASE " + db);
        // The real tables (same columns, keys and indexes; the partitioned ones with their partitions) from the bench database's Flyway schema.
        String ddl = sh("pg_dump", "-s", "-h", "127.0.0.1", "-U", "postgres", "-t", "processed_event*", "-t", "outbox", "-t",
                "exception_timeline*", "-t", "retry_schedule", s.dbName());
        Path dir = s.outDir().resolve("pgbench");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("schema.sql"), ddl + "\nCREATE TABLE public.bench_state (id BIGINT PRIMARY KEY, state TEXT NOT NULL, "
                + "detail JSONB NOT NULL, updated_at TIMESTAMPTZ NOT NULL);\n"
                + "INSERT INTO public.bench_state SELECT g, 'NORMALIZED', '{}', now() FROM generate_series(1, 200000) g;\n");
        sh("psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-f", dir.resolve("schema.sql").toString());
        Files.writeString(dir.resolve("per-event.sql"), script(1));
        Files.writeString(dir.resolve("batch.sql"), script(batch));
        double perEventTps = pgbench(db, clients, seconds, dir.resolve("per-event.sql"));
        double batchTps = pgbench(db, clients, seconds, dir.resolve("batch.sql"));
        double perEvent = perEventTps;
        double batched = batchTps * batch;
        Bench.OUT.printf("    PostgreSQL (pgbench, %d clients): %.0f events/s committing each event, %.0f events/s committing %d per "
                + "transaction; %.1f events handled per exception%n", clients, perEvent, batched, batch, eventsPerException);
        results.limits.add(new Results.Limit("postgres", "pgbench with the runtime's SQL per lane transaction (parked-keys "
                + "lookup, one claim statement, one locking read, an UPDATE per record, one outbox and one timeline statement) "
                + "and the relay's delete, " + batch + " events per transaction, " + clients + " clients",
                batched, "events/s", batched / eventsPerException,
                String.format("one commit per event: %.0f events/s = %.0f exceptions/s", perEvent, perEvent / eventsPerException)));
    }

    /**
     * One lane transaction of {@code events} events with the SQL the runtime issues (see
     * docs/runtime.md): the parked-keys lookup, one claim statement, one locking read of the
     * records, one UPDATE per record (JDBC-batched by Hibernate), one outbox and one timeline
     * statement; then the relay's transaction deleting the published outbox rows.
     */
    static String script(int events) {
        StringBuilder b = new StringBuilder();
        StringBuilder ids = new StringBuilder();
        StringBuilder keys = new StringBuilder();
        StringBuilder uuids = new StringBuilder();
        for (int i = 0; i < events; i++) {
            b.append("\\set n").append(i).append(" random(1, 200000)\n");
            String sep = i == 0 ? "" : ", ";
            ids.append(sep).append(":n").append(i);
            keys.append(sep).append("'bench-bank:' || :n").append(i);
            uuids.append(sep).append("gen_random_uuid()");
        }
        String headers = "{\"ce_specversion\":\"1.0\",\"ce_id\":\"7c1f0a52-6a43-4d36-9a36-1f64a1d2f3b1\","
                + "\"ce_type\":\"exflow.exception.triaged\",\"ce_source\":\"/exflow/triage\",\"ce_time\":\"2026-01-01T00:00:00Z\","
                + "\"ce_tenantid\":\"bench-bank\",\"ce_exceptionid\":\"0a9f3e7e-1c77-4ef9-8d0b-3f3c1bd1c2aa\","
                + "\"ce_correlationid\":\"0a9f3e7e-1c77-4ef9-8d0b-3f3c1bd1c2aa\",\"ce_schemaversion\":\"1\","
                + "\"content-type\":\"application/json\"}";
        b.append("BEGIN;\n");
        b.append("SELECT DISTINCT record_key FROM retry_schedule WHERE consumer = 'exflow-triage' AND record_key = ANY (ARRAY[")
                .append(keys).append("]);\n");
        b.append("INSERT INTO processed_event (consumer, event_id, processed_at) SELECT 'exflow-triage', t.id, now() FROM unnest(ARRAY[")
                .append(uuids).append("]) WITH ORDINALITY AS t (id, n) WHERE NOT EXISTS (SELECT 1 FROM processed_event p ")
                .append("WHERE p.consumer = 'exflow-triage' AND p.event_id = t.id) ORDER BY n ON CONFLICT DO NOTHING RETURNING event_id;\n");
        b.append("SELECT id, state FROM public.bench_state WHERE id IN (").append(ids).append(") ORDER BY id FOR NO KEY UPDATE;\n");
        for (int i = 0; i < events; i++) {
            b.append("UPDATE public.bench_state SET state = 'TRIAGED', detail = '{\"severity\":\"MEDIUM\",\"slaDeadline\":"
                    + "\"2026-01-02T00:00:00Z\"}', updated_at = now() WHERE id = :n").append(i).append(";\n");
        }
        b.append("WITH ins AS (INSERT INTO outbox (topic, record_key, headers, payload) SELECT 'exflow.exceptions.triaged', "
                + "'bench-bank:' || g, '").append(headers).append("', convert_to(repeat('x', 600), 'UTF8') FROM generate_series(1, ")
                .append(events).append(") AS g ORDER BY g RETURNING id) SELECT string_agg(id::text, ',') AS outbox_ids FROM ins \\gset\n");
        b.append("INSERT INTO exception_timeline (exception_id, tenant_id, event_id, event_type, actor, detail) SELECT "
                + "gen_random_uuid(), 'bench-bank', gen_random_uuid(), 'exflow.exception.triaged', 'triage', "
                + "'{\"severity\":\"MEDIUM\",\"rule\":\"default\"}' FROM generate_series(1, ").append(events).append(");\n");
        b.append("COMMIT;\n");
        b.append("BEGIN;\nDELETE FROM outbox WHERE id IN (:outbox_ids) RETURNING id;\nCOMMIT;\n");
        return b.toString();
    }

    double pgbench(String db, int clients, int seconds, Path script) throws Exception {
        String out = sh("pgbench", "-n", "-h", "127.0.0.1", "-U", "postgres", "-c", Integer.toString(clients), "-j",
                Integer.toString(Math.min(clients, 2)), "-T", Integer.toString(seconds), "-f", script.toString(), db);
        Matcher m = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("pgbench output not understood:\n" + out);
        }
        return Double.parseDouble(m.group(1));
    }

    // ---- (c) Redis ----------------------------------------------------------------------------

    void redis() throws Exception {
        String key = s.redisPrefix() + "bench:lmove";
        int clients = Integer.parseInt(s.concurrency());
        sh("redis-cli", "-h", "127.0.0.1", "DEL", key);
        List<String> push = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "RPUSH", key));
        String job = "x".repeat(Math.max(200, (int) results.eventBytes));
        for (int i = 0; i < 200; i++) {
            push.add(job);
        }
        sh(push.toArray(String[]::new));
        String out = sh("redis-benchmark", "-h", "127.0.0.1", "-q", "-n", "200000", "-c", Integer.toString(clients), "LMOVE", key, key,
                "LEFT", "RIGHT");
        sh("redis-cli", "-h", "127.0.0.1", "DEL", key);
        Matcher m = Pattern.compile("([0-9.]+) requests per second").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("redis-benchmark output not understood:\n" + out);
        }
        double ops = Double.parseDouble(m.group(1));
        Bench.OUT.printf("    Redis LMOVE (redis-benchmark, %d clients, no pipelining): %.0f round trips/s%n", clients, ops);
        results.limits.add(new Results.Limit("redis", "redis-benchmark LMOVE round trips, " + clients + " clients, no pipelining",
                ops, "ops/s", ops / REDIS_OPS_PER_EXCEPTION, REDIS_OPS_PER_EXCEPTION + " queue commands per exception"));
    }

    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd).substring(0, Math.min(120, String.join(" ", cmd).length()))
                    + " failed:\n" + out);
        }
        return out;
    }
}
