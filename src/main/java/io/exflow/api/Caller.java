package io.exflow.api;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

import org.eclipse.microprofile.jwt.JsonWebToken;

import jakarta.enterprise.context.RequestScoped;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Who is calling, from the verified bearer token: the subject ({@code sub}, the actor recorded
 * on approvals and dead-letter operations), the tenants it may act for (claim {@code tenants};
 * {@code "*"} = platform admin, every tenant) and its roles (claim {@code groups}).
 */
@RequestScoped
public class Caller {
    public static final String ALL_TENANTS = "*";

    private final JsonWebToken jwt;

    public Caller(JsonWebToken jwt) {
        this.jwt = jwt;
    }

    public String subject() {
        String sub = jwt.getSubject();
        return sub == null || sub.isBlank() ? "unknown" : sub;
    }

    public Set<String> tenants() {
        Object claim = jwt.getClaim("tenants");
        Set<String> out = new LinkedHashSet<>();
        if (claim instanceof JsonArray array) {
            for (JsonValue v : array) {
                if (v instanceof JsonString s) {
                    out.add(s.getString());
                }
            }
        } else if (claim instanceof Collection<?> values) {
            values.forEach(v -> out.add(String.valueOf(v)));
        } else if (claim instanceof JsonString s) {
            out.add(s.getString());
        } else if (claim instanceof String s) {
            out.add(s);
        }
        return out;
    }

    public boolean platformAdmin() {
        return tenants().contains(ALL_TENANTS);
    }

    /** 403 with no data unless the token names this tenant (or every tenant). */
    public void requireTenant(String tenantId) {
        Set<String> tenants = tenants();
        if (!tenants.contains(tenantId) && !tenants.contains(ALL_TENANTS)) {
            throw ProblemException.tenantForbidden();
        }
    }
}
