package io.exflow.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node KRaft Kafka (Apache Kafka's own test kit) in the test JVM, started once
 * and shared by every test class. Quorum formation can time out on a loaded 2-core machine,
 * so start-up is retried.
 */
public final class KafkaTestCluster {
    private static KafkaClusterTestKit cluster;
    /** Kafka's own shutdown hooks (deleting the cluster's temp directories), run after the cluster closed. */
    private static final List<Runnable> AFTER_CLOSE = new CopyOnWriteArrayList<>();

    static {
        // Kafka's test kit deletes its temp directories in shutdown hooks of its own, which the JVM
        // runs concurrently with the hook that closes the cluster: a broker still shutting down then
        // finds its log directory gone and halts the JVM with exit code 1 — failsafe reports "Error
        // occurred in starting fork" after every test passed. Those hooks run after the close instead,
        // and a halt or exit the in-process broker asks for is reported rather than taken.
        Exit.setShutdownHookAdder((name, hook) -> AFTER_CLOSE.add(hook));
        Exit.setHaltProcedure((code, message) -> System.err.println("in-process Kafka asked to halt (" + code + "): " + message));
        Exit.setExitProcedure((code, message) -> System.err.println("in-process Kafka asked to exit (" + code + "): " + message));
    }

    private KafkaTestCluster() {
    }

    public static synchronized String bootstrapServers() {
        if (cluster == null) {
            cluster = startWithRetries(3);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    cluster.close();
                } catch (Exception ignored) {
                    // the JVM is exiting
                }
                for (Runnable hook : AFTER_CLOSE) {
                    try {
                        hook.run();
                    } catch (RuntimeException ignored) {
                        // best effort: temp files only
                    }
                }
            }));
        }
        return cluster.bootstrapServers();
    }

    private static KafkaClusterTestKit startWithRetries(int attempts) {
        Exception last = null;
        for (int i = 1; i <= attempts; i++) {
            KafkaClusterTestKit kit = null;
            try {
                kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                        .setConfigProp("group.initial.rebalance.delay.ms", "0")
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        .setConfigProp("offsets.topic.num.partitions", "4")
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("auto.create.topics.enable", "false")
                        .build();
                kit.format();
                kit.startup();
                kit.waitForReadyBrokers();
                return kit;
            } catch (Exception e) {
                last = e;
                if (kit != null) {
                    try {
                        kit.close();
                    } catch (Exception ignored) {
                        // retrying with a fresh cluster
                    }
                }
            }
        }
        throw new IllegalStateException("in-process Kafka did not start after " + attempts + " attempts", last);
    }
}
