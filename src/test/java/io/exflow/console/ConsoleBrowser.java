package io.exflow.console;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium for the console's browser tests: Debian's chromium and chromium-driver
 * (installed by .ci/install-tools.sh), driven by Selenium with the system chromedriver, so nothing
 * is downloaded at run time. With {@code -Dconsole.screenshots=docs/console} {@link #screenshot}
 * saves PNGs (how docs/console/*.png are made).
 */
final class ConsoleBrowser implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(40);

    final WebDriver driver;

    private ConsoleBrowser(WebDriver driver) {
        this.driver = driver;
    }

    static ConsoleBrowser start() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(Path.of("/usr/bin/chromium").toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1360,900", "--force-device-scale-factor=1");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).build();
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1360, 900));
        return new ConsoleBrowser(driver);
    }

    /** Polls until the condition holds (up to {@link #WAIT}); live regions may be swapped meanwhile. */
    void waitFor(Function<WebDriver, Boolean> condition) {
        new WebDriverWait(driver, WAIT).pollingEvery(Duration.ofMillis(200))
                .ignoring(StaleElementReferenceException.class).withMessage(this::whereWeAre).until(condition::apply);
    }

    /**
     * The element's text, once it is on the page: a click that swaps content with htmx returns before
     * the swap. Live regions are swapped every few seconds, so a stale read is retried.
     */
    String text(String id) {
        waitFor(d -> !d.findElements(By.id(id)).isEmpty());
        for (int attempt = 1;; attempt++) {
            try {
                return driver.findElement(By.id(id)).getText();
            } catch (StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** For a failed wait: the page the browser is on and the start of its text. */
    private String whereWeAre() {
        try {
            String body = driver.findElement(By.tagName("body")).getText();
            return "the browser is at " + driver.getCurrentUrl() + " showing: "
                    + body.substring(0, Math.min(400, body.length())).replace('\n', ' ');
        } catch (RuntimeException e) {
            return "the browser is at " + driver.getCurrentUrl();
        }
    }

    void screenshot(String name) {
        String dir = System.getProperty("console.screenshots");
        if (dir == null || dir.isBlank()) {
            return;
        }
        try {
            Path target = Path.of(dir).resolve(name + ".png");
            Files.createDirectories(target.getParent());
            Files.write(target, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
