package io.exflow.packs;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Access to the bundled packs and test fixture folders. */
public final class TestPacks {

    private static LoadedPacks bundled;

    private TestPacks() {
    }

    public static synchronized LoadedPacks bundled() {
        if (bundled == null) {
            bundled = new PackLoader().load();
        }
        return bundled;
    }

    public static DomainPack finance() {
        return bundled().domains().get("finance");
    }

    public static DomainPack healthcare() {
        return bundled().domains().get("healthcare");
    }

    public static TenantPack tenant(String id) {
        return bundled().tenants().get(id);
    }

    /** A folder under src/test/resources as a file-system path. */
    public static Path resourceDir(String name) {
        URL url = TestPacks.class.getClassLoader().getResource(name);
        if (url == null) {
            throw new IllegalArgumentException("no test resource " + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
