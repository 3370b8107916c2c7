package io.exflow.api;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Turns a verified token's claims into {@link Grants}, configurably, so tokens from any identity
 * provider can be used without a custom claim. Two forms, which can be mixed:
 * <ul>
 * <li>tenant-scoped roles: entries {@code <prefix><tenant>:<role>} of the roles claim (with the
 * default prefix, {@code exflow:acme-bank:operator}; {@code exflow:*:operator} for every tenant), as
 * identity providers emit group or app-role names. A leading {@code /} (Keycloak's full group
 * path) is ignored.</li>
 * <li>plain roles ({@code operator}) in the roles claim, held in every tenant the tenants claim
 * lists ({@code "*"} = every tenant).</li>
 * </ul>
 * Claim names may be paths into nested objects, e.g. {@code realm_access.roles} (Keycloak realm roles).
 *
 * @param tenantsClaim     claim listing the tenants (AUTH_TENANTS_CLAIM)
 * @param rolesClaim       claim listing roles and tenant-scoped roles (AUTH_ROLES_CLAIM)
 * @param tenantRolePrefix prefix of tenant-scoped role entries (AUTH_TENANT_ROLE_PREFIX)
 */
public record ClaimMapping(String tenantsClaim, String rolesClaim, String tenantRolePrefix) {

    public static final ClaimMapping DEFAULT = new ClaimMapping("tenants", "groups", "exflow:");

    /** The grants of a token whose top-level claims this function returns (null when absent). */
    public Grants grants(Function<String, Object> claims) {
        List<String> tenants = strings(claim(claims, tenantsClaim));
        Grants.Builder grants = Grants.builder();
        for (String entry : strings(claim(claims, rolesClaim))) {
            String name = entry.startsWith("/") ? entry.substring(1) : entry;
            if (!tenantRolePrefix.isEmpty() && name.startsWith(tenantRolePrefix)) {
                String scoped = name.substring(tenantRolePrefix.length());
                int colon = scoped.lastIndexOf(':');
                if (colon > 0) {
                    grants.grant(scoped.substring(0, colon), scoped.substring(colon + 1));
                }
            } else {
                tenants.forEach(tenant -> grants.grant(tenant, name));
            }
        }
        return grants.build();
    }

    private static Object claim(Function<String, Object> claims, String path) {
        if (path.isEmpty()) {
            return null;
        }
        String[] segments = path.split("\\.");
        Object value = claims.apply(segments[0]);
        for (int i = 1; i < segments.length && value != null; i++) {
            if (value instanceof JsonObject object) {
                value = object.get(segments[i]);
            } else if (value instanceof Map<?, ?> map) {
                value = map.get(segments[i]);
            } else {
                return null;
            }
        }
        return value;
    }

    /** A claim value as strings: an array of strings, one string, or nothing. */
    private static List<String> strings(Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof JsonArray array) {
            for (JsonValue v : array) {
                if (v instanceof JsonString s) {
                    out.add(s.getString());
                }
            }
        } else if (value instanceof Collection<?> values) {
            values.forEach(v -> out.add(v instanceof JsonString s ? s.getString() : String.valueOf(v)));
        } else if (value instanceof JsonString s) {
            out.add(s.getString());
        } else if (value instanceof String s) {
            out.add(s);
        }
        return out;
    }
}
