package io.exflow.packs;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.exflow.packs.PackValidationException.Violation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Loads domain and tenant packs from the classpath and, optionally, a directory.
 *
 * <p>Classpath packs are listed in {@code <root>/index.json}
 * ({@code {"domains": ["finance.json"], "tenants": ["acme-bank.json"]}}) and live in
 * {@code <root>/domains/} and {@code <root>/tenants/}; an index is used because listing a
 * classpath directory does not work in a native image. The extra directory has the same
 * {@code domains/} and {@code tenants/} layout and every {@code *.json} in it is loaded.
 *
 * <p>A pack in the extra directory replaces a classpath pack with the same domain name or
 * tenant id, so operators can adjust a bundled example; two packs with the same key in the same
 * source are an error. All problems of all files are reported together in one
 * {@link PackValidationException}.
 */
public final class PackLoader {

    public static final String BUNDLED_ROOT = "packs";

    private final ClassLoader classLoader;
    private final String classpathRoot;
    private final ObjectMapper mapper = newObjectMapper();

    /** Loads the bundled packs from {@value #BUNDLED_ROOT} on the context class path. */
    public PackLoader() {
        this(defaultClassLoader(), BUNDLED_ROOT);
    }

    /** @param classpathRoot folder holding {@code index.json}; {@code null} loads no classpath packs */
    public PackLoader(ClassLoader classLoader, String classpathRoot) {
        this.classLoader = classLoader;
        this.classpathRoot = classpathRoot;
    }

    /**
     * The mapper used for pack files; also suitable to (de)serialize packs for storage.
     * Strict: unknown fields, duplicate keys and trailing content are errors; enums are
     * case-insensitive; durations are written as ISO-8601 text ({@code PT1H}).
     */
    public static ObjectMapper newObjectMapper() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                .build();
    }

    /** Classpath packs only. */
    public LoadedPacks load() {
        return load(null);
    }

    /**
     * @param extraDir directory with {@code domains/} and/or {@code tenants/} sub-folders, or
     *                 {@code null} for classpath packs only
     * @throws PackValidationException naming every invalid file and field
     */
    public LoadedPacks load(Path extraDir) {
        List<Violation> violations = new ArrayList<>();
        List<Source> domainSources = new ArrayList<>();
        List<Source> tenantSources = new ArrayList<>();
        if (classpathRoot != null) {
            readClasspath(domainSources, tenantSources, violations);
        }
        if (extraDir != null) {
            readDirectory(extraDir, domainSources, tenantSources, violations);
        }

        Map<String, DomainPack> domains = new LinkedHashMap<>();
        collect(domainSources, DomainPack.class, DomainPack::name, "name", "domain", violations, (file, pack) -> {
            PackValidator.validateDomain(file, pack, violations);
            if (pack.name() != null) {
                domains.put(pack.name(), pack);
            }
        });
        Map<String, TenantPack> tenants = new LinkedHashMap<>();
        collect(tenantSources, TenantPack.class, TenantPack::tenantId, "tenantId", "tenant", violations, (file, pack) -> {
            PackValidator.validateTenant(file, pack, domains, violations);
            if (pack.tenantId() != null) {
                tenants.put(pack.tenantId(), pack);
            }
        });

        if (!violations.isEmpty()) {
            throw new PackValidationException(violations);
        }
        return new LoadedPacks(domains, tenants);
    }

    // ---- reading -----------------------------------------------------------------------------

    /** One pack file's name and raw content; {@code origin} tells which source it belongs to. */
    private record Source(String file, String origin, byte[] json) {
    }

    private void readClasspath(List<Source> domains, List<Source> tenants, List<Violation> violations) {
        String indexName = classpathRoot + "/index.json";
        String indexFile = "classpath:" + indexName;
        byte[] indexBytes = readResource(indexName);
        if (indexBytes == null) {
            violations.add(new Violation(indexFile, "$", "not found on the class path"));
            return;
        }
        JsonNode index;
        try {
            index = mapper.readTree(indexBytes);
        } catch (IOException e) {
            violations.add(describe(indexFile, e));
            return;
        }
        if (index == null || !index.isObject()) {
            violations.add(new Violation(indexFile, "$", "must be an object with 'domains' and 'tenants' arrays"));
            return;
        }
        readIndexed(index, "domains", domains, violations, indexFile);
        readIndexed(index, "tenants", tenants, violations, indexFile);
    }

    private void readIndexed(JsonNode index, String kind, List<Source> into, List<Violation> violations, String indexFile) {
        JsonNode names = index.path(kind);
        if (names.isMissingNode()) {
            return;
        }
        if (!names.isArray()) {
            violations.add(new Violation(indexFile, kind, "must be an array of file names"));
            return;
        }
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i).asText("");
            if (!names.get(i).isTextual() || !name.endsWith(".json") || name.contains("/") || name.contains("..")) {
                violations.add(new Violation(indexFile, kind + "[" + i + "]", "must be a plain '*.json' file name"));
                continue;
            }
            String resource = classpathRoot + "/" + kind + "/" + name;
            byte[] json = readResource(resource);
            if (json == null) {
                violations.add(new Violation(indexFile, kind + "[" + i + "]", "listed file 'classpath:" + resource + "' not found"));
            } else {
                into.add(new Source("classpath:" + resource, "classpath", json));
            }
        }
    }

    private byte[] readResource(String name) {
        try (InputStream in = classLoader.getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    private static void readDirectory(Path dir, List<Source> domains, List<Source> tenants, List<Violation> violations) {
        if (!Files.isDirectory(dir)) {
            violations.add(new Violation(dir.toString(), "$", "pack directory does not exist or is not a directory"));
            return;
        }
        readJsonFiles(dir.resolve("domains"), domains, violations);
        readJsonFiles(dir.resolve("tenants"), tenants, violations);
    }

    private static void readJsonFiles(Path folder, List<Source> into, List<Violation> violations) {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> files = Files.list(folder)) {
            // Sorted so that load order, and thus error order, is stable across file systems.
            for (Path file : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                try {
                    into.add(new Source(file.toString(), folder.getParent().toString(), Files.readAllBytes(file)));
                } catch (IOException e) {
                    violations.add(new Violation(file.toString(), "$", "cannot be read: " + e.getMessage()));
                }
            }
        } catch (IOException e) {
            violations.add(new Violation(folder.toString(), "$", "cannot be listed: " + e.getMessage()));
        }
    }

    // ---- parsing -----------------------------------------------------------------------------

    @FunctionalInterface
    private interface PackSink<T> {
        void accept(String file, T pack);
    }

    private <T> void collect(List<Source> sources, Class<T> type, java.util.function.Function<T, String> key,
            String keyField, String kind, List<Violation> violations, PackSink<T> sink) {
        Map<String, Source> seen = new LinkedHashMap<>();
        for (Source source : sources) {
            T pack;
            try {
                pack = mapper.readValue(source.json(), type);
            } catch (IOException e) {
                violations.add(describe(source.file(), e));
                continue;
            }
            if (pack == null) {
                violations.add(new Violation(source.file(), "$", "must be a JSON object"));
                continue;
            }
            String id = key.apply(pack);
            Source previous = id == null ? null : seen.put(id, source);
            if (previous != null && previous.origin().equals(source.origin())) {
                violations.add(new Violation(source.file(), keyField,
                        kind + " '" + id + "' is also defined in " + previous.file()));
                continue;
            }
            sink.accept(source.file(), pack);
        }
    }

    /** Turns a Jackson failure into a violation that names the field, without a stack of class names. */
    static Violation describe(String file, IOException e) {
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            return new Violation(file, pathOf(mapping), reasonOf(mapping));
        }
        String message = e instanceof JsonProcessingException processing ? processing.getOriginalMessage() : e.getMessage();
        JsonLocation location = e instanceof JsonProcessingException processing ? processing.getLocation() : null;
        String where = location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
        return new Violation(file, "$", "malformed JSON" + where + ": " + firstLine(message));
    }

    private static String pathOf(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "$" : path.toString();
    }

    private static String reasonOf(JsonMappingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            return "unknown field (known fields: " + unknown.getKnownPropertyIds() + ")";
        }
        if (e instanceof InvalidFormatException format) {
            Class<?> target = format.getTargetType();
            String allowed = target != null && target.isEnum()
                    ? " (allowed: " + Arrays.toString(target.getEnumConstants()) + ")"
                    : target != null ? " (expected " + target.getSimpleName() + ")" : "";
            return "invalid value '" + format.getValue() + "'" + allowed;
        }
        if (e instanceof ValueInstantiationException && e.getCause() != null) {
            return firstLine(e.getCause().getMessage());
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return "wrong JSON type, expected " + mismatch.getTargetType().getSimpleName();
        }
        return firstLine(e.getOriginalMessage());
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static ClassLoader defaultClassLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : PackLoader.class.getClassLoader();
    }
}
