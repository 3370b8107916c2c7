package io.exflow.runtime.health;

import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.AuthenticationException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import io.exflow.runtime.WorkerRuntime;
import io.exflow.runtime.kafka.ConsumerLoop;
import io.exflow.runtime.kafka.KafkaClients;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Ready when start-up is done, the broker answers and every consumer loop is in its group with
 * its partitions assigned, polling and not stalled. Goes DOWN while Kafka (or, through a stalled
 * loop, the database) is gone, and while a consumer waits for the group to give it partitions
 * (after a restart without static membership, until the group expires the previous process).
 */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements HealthCheck {
    private final KafkaClients clients;
    private final WorkerRuntime runtime;
    private volatile Admin admin;

    public KafkaReadiness(KafkaClients clients, WorkerRuntime runtime) {
        this.clients = clients;
        this.runtime = runtime;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("exflow-kafka");
        if (!runtime.started()) {
            String waitingFor = runtime.waitingFor();
            return response.down().withData("starting", waitingFor == null ? "roles" : "waiting for " + waitingFor).build();
        }
        try {
            // Bounded below the probes' timeoutSeconds (3): an unreachable broker is DOWN, not a probe timeout,
            // and the admin client does not pile up requests while the broker is gone.
            int brokers = admin().describeCluster(new DescribeClusterOptions().timeoutMs(1500)).nodes()
                    .get(2, TimeUnit.SECONDS).size();
            response.withData("brokers", brokers);
        } catch (Exception e) {
            if (refusedLogin(e)) {
                // An admin client whose login was refused may keep reporting that failure; the next
                // probe asks with a new one, so readiness follows the broker once it accepts us.
                closeAdmin();
            }
            return response.down().withData("error", String.valueOf(e.getMessage())).build();
        }
        boolean loopsHealthy = true;
        for (ConsumerLoop loop : runtime.loops().stream().filter(ConsumerLoop.class::isInstance)
                .map(ConsumerLoop.class::cast).toList()) {
            boolean healthy = loop.healthy();
            boolean joined = loop.joined();
            response.withData(loop.subscriber().consumerGroup(), !healthy ? "stalled" : joined ? "polling" : "joining the group");
            response.withData(loop.subscriber().consumerGroup() + ".partitions", loop.assignedPartitions());
            loopsHealthy &= healthy && joined;
        }
        return response.status(loopsHealthy).build();
    }

    private Admin admin() {
        if (admin == null) {
            synchronized (this) {
                if (admin == null) {
                    admin = clients.admin();
                }
            }
        }
        return admin;
    }

    private static boolean refusedLogin(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof AuthenticationException) {
                return true;
            }
        }
        return false;
    }

    private synchronized void closeAdmin() {
        if (admin != null) {
            admin.close(java.time.Duration.ZERO);
            admin = null;
        }
    }

    @PreDestroy
    void close() {
        closeAdmin();
    }
}
