package io.exflow.demo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.exflow.packs.LoadedPacks;
import io.exflow.packs.DomainPack;
import io.exflow.packs.ExceptionTypeDef;

/**
 * A seeded, realistic batch of raw exceptions for two tenants: every exception type of each
 * tenant's domain, required fields filled in, personal data sprinkled in for intake to
 * redact, and a few invalid payloads that must end as dead letters.
 */
final class DemoBatch {
    static final List<String> TENANTS = List.of("acme-bank", "medicare-plus");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String[] NAMES = {"Jane Doe", "Omar Haddad", "Li Wei", "Ana Souza", "Ken Sato"};

    record Item(String tenantId, ObjectNode payload, boolean valid) {
    }

    static List<Item> generate(LoadedPacks packs, int count, long seed) {
        Random random = new Random(seed);
        List<Item> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String tenant = TENANTS.get(i % TENANTS.size());
            DomainPack domain = packs.domainOf(packs.tenant(tenant).orElseThrow());
            boolean valid = random.nextInt(50) != 0; // about 2% poison
            items.add(new Item(tenant, valid ? payload(domain, random, i) : invalid(random, i), valid));
        }
        return items;
    }

    private static ObjectNode payload(DomainPack domain, Random random, int i) {
        ExceptionTypeDef type = domain.exceptionTypes().get(random.nextInt(domain.exceptionTypes().size()));
        ObjectNode p = JSON.objectNode();
        p.put("type", type.code().toLowerCase(Locale.ROOT));
        p.put("source", domain.name() + "-core");
        p.put("entity", "ENT-" + (100_000 + i));
        p.put("timestamp", Instant.now().minusSeconds(60 + random.nextInt(3_600)).toString());
        long amount = switch (random.nextInt(10)) {
            case 0 -> 150_000 + random.nextInt(2_000_000);
            case 1, 2 -> 50_000 + random.nextInt(50_000);
            default -> 100 + random.nextInt(20_000);
        };
        for (String field : type.requiredFields()) {
            String f = field.toLowerCase(Locale.ROOT);
            if (f.contains("amount")) {
                p.put(field, f.equals("amount") ? amount : amount + random.nextInt(500));
            } else if (f.equals("currency")) {
                p.put(field, random.nextBoolean() ? "USD" : "EUR");
            } else if (!p.has(field)) {
                p.put(field, field.toUpperCase(Locale.ROOT).replaceAll("[^A-Z]", "").substring(0, Math.min(3, field.length()))
                        + "-" + (10_000 + random.nextInt(90_000)));
            }
        }
        String name = NAMES[random.nextInt(NAMES.length)];
        ObjectNode customer = p.putObject("customer");
        customer.put("name", name);
        customer.put("email", name.toLowerCase(Locale.ROOT).replace(' ', '.') + "@example.com");
        customer.put("phone", "+1 415 555 " + (1000 + random.nextInt(9000)));
        p.put("note", "Customer " + name + " called about it; card 4111 1111 1111 1111 on file.");
        return p;
    }

    private static ObjectNode invalid(Random random, int i) {
        ObjectNode p = JSON.objectNode();
        p.put("type", "NOT_A_KNOWN_TYPE");
        p.put("source", "legacy-batch");
        p.put("note", "row " + i + " of a malformed export");
        return p;
    }
}
