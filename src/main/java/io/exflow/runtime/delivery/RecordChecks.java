package io.exflow.runtime.delivery;

import java.util.ArrayList;
import java.util.List;

import io.exflow.runtime.EventHandler;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.event.CloudEventCodec;
import io.exflow.runtime.event.EventEnvelope;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The checks that reject a record without looking at what was processed before: size,
 * CloudEvents decoding, event type handled by this consumer, schema version, and tenant — with
 * one tenant-owner lookup for the whole lane. A failure here is permanent.
 */
@ApplicationScoped
public class RecordChecks {
    private final ExflowSettings settings;
    private final CloudEventCodec codec;
    private final TenantGuard tenantGuard;

    public RecordChecks(ExflowSettings settings, CloudEventCodec codec, TenantGuard tenantGuard) {
        this.settings = settings;
        this.codec = codec;
        this.tenantGuard = tenantGuard;
    }

    List<CheckedRecord> check(Subscriber subscriber, List<InboundRecord> lane) {
        List<CheckedRecord> checked = new ArrayList<>(lane.size());
        List<Integer> forGuard = new ArrayList<>();
        for (InboundRecord record : lane) {
            CheckedRecord c = checkOne(subscriber, record);
            if (c.accepted()) {
                forGuard.add(checked.size());
            }
            checked.add(c);
        }
        List<PermanentFailure> tenantProblems = tenantGuard.checkAll(subscriber.consumerGroup(),
                forGuard.stream().map(i -> checked.get(i).event()).toList());
        for (int i = 0; i < forGuard.size(); i++) {
            if (tenantProblems.get(i) != null) {
                int at = forGuard.get(i);
                checked.set(at, checked.get(at).rejectedFor(tenantProblems.get(i)));
            }
        }
        return checked;
    }

    private CheckedRecord checkOne(Subscriber subscriber, InboundRecord record) {
        EventEnvelope event;
        try {
            if (record.size() > settings.maxEventBytes()) {
                throw new PermanentFailure(ReasonCode.PAYLOAD_TOO_LARGE,
                        "event is " + record.size() + " bytes, limit " + settings.maxEventBytes());
            }
            event = codec.decode(record.headers(), record.value());
        } catch (PermanentFailure p) {
            return new CheckedRecord(record, null, null, p);
        }
        EventHandler handler = subscriber.handlers().get(event.type());
        if (handler == null) {
            return new CheckedRecord(record, event, null, new PermanentFailure(ReasonCode.UNSUPPORTED_EVENT_TYPE,
                    "consumer " + subscriber.consumerGroup() + " does not handle events of type '" + event.type() + "'"));
        }
        if (event.schemaVersion() > handler.consumes().schemaVersion()) {
            return new CheckedRecord(record, event, handler, new PermanentFailure(ReasonCode.SCHEMA_VERSION_UNSUPPORTED,
                    "schema version " + event.schemaVersion() + " is newer than " + handler.consumes().schemaVersion()
                            + ", the newest this build understands"));
        }
        return new CheckedRecord(record, event, handler, null);
    }

    /** The event of a record whose checks passed before, or null if it cannot be decoded. */
    EventEnvelope tryDecode(InboundRecord record) {
        try {
            return codec.decode(record.headers(), record.value());
        } catch (RuntimeException e) {
            return null;
        }
    }
}
