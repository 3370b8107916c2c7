package io.exflow.console;

import java.net.URL;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.openqa.selenium.WebDriver;

import io.quarkus.test.common.http.TestHTTPResource;

/**
 * What every console browser test shares: one headless Chromium ({@link ConsoleBrowser}) per test
 * class, started before its first test and closed after its last, and the URL of a console path on
 * the app under test.
 */
abstract class ConsoleBrowserTestBase {
    static ConsoleBrowser chromium;
    static WebDriver browser;

    @TestHTTPResource("/")
    URL root;

    @BeforeAll
    static void startBrowser() {
        chromium = ConsoleBrowser.start();
        browser = chromium.driver;
    }

    @AfterAll
    static void stopBrowser() {
        if (chromium != null) {
            chromium.close();
        }
    }

    /** The absolute URL of a path on the app under test, e.g. {@code url("/console")}. */
    String url(String path) {
        return root.toString().replaceAll("/$", "") + path;
    }
}
