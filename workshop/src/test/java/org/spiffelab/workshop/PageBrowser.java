package org.spiffelab.workshop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Debian's headless Chromium (no downloads) reading a lab's pages the way an attendee's browser does. */
final class PageBrowser implements AutoCloseable {

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"));

    private final ChromeDriver driver;

    PageBrowser(Path profile) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("Chromium or chromedriver not found at " + CHROMIUM + ", " + CHROMEDRIVER
                    + ": install Debian's chromium and chromium-driver (scripts/toolchain.sh does)");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                "--user-data-dir=" + profile);
        driver = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build(),
                options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    }

    /** Opens the page and returns its visible text. */
    String open(String url) {
        driver.get(url);
        return driver.findElement(By.tagName("body")).getText();
    }

    /** The whole page at 1280 px wide, not only the first screen: the window grows to the page's height for the shot. */
    void screenshot(Path file) throws java.io.IOException {
        Files.createDirectories(file.getParent());
        Dimension before = driver.manage().window().getSize();
        long height = ((Number) driver.executeScript("return document.documentElement.scrollHeight")).longValue();
        long chrome = before.getHeight() - ((Number) driver.executeScript("return window.innerHeight")).longValue();
        driver.manage().window().setSize(new Dimension(before.getWidth(), (int) Math.max(before.getHeight(), height + chrome)));
        try {
            Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    /** The same, with the window {@code width} px wide: where prose wraps most. */
    void screenshot(Path file, int width) throws java.io.IOException {
        Dimension before = driver.manage().window().getSize();
        driver.manage().window().setSize(new Dimension(width, before.getHeight()));
        try {
            screenshot(file);
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    /**
     * Elements of the open page, other than identifiers (.id, .serial, the JWT table's values), whose text the browser
     * may break inside a word: as computed, so a rule inherited from anywhere counts.
     */
    List<String> proseBreakableInsideWords() {
        Object found = driver.executeScript("""
                const out = [];
                for (const e of document.body.querySelectorAll('*')) {
                  if (e.closest('.id, .serial, .jwt td')) continue;
                  const s = getComputedStyle(e);
                  if (['anywhere', 'break-word'].includes(s.overflowWrap) || ['break-all', 'break-word'].includes(s.wordBreak)
                      || s.hyphens === 'auto') {
                    out.push(e.tagName.toLowerCase() + ': ' + e.textContent.trim().slice(0, 60));
                  }
                }
                return out;""");
        return ((List<?>) found).stream().map(String::valueOf).toList();
    }

    @Override
    public void close() {
        driver.quit();
    }
}
