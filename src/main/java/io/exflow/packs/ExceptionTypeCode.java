package io.exflow.packs;

import java.util.Locale;
import java.util.regex.Pattern;

/** The canonical UPPER_SNAKE_CASE form of exception type codes. */
public final class ExceptionTypeCode {

    private static final Pattern CANONICAL = Pattern.compile("[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*");
    private static final Pattern CAMEL_BOUNDARY = Pattern.compile("(?<=[a-z0-9])(?=[A-Z])");
    private static final Pattern SEPARATORS = Pattern.compile("[^A-Za-z0-9]+");

    private ExceptionTypeCode() {
    }

    /**
     * Converts {@code settlementFailed}, {@code settlement-failed}, {@code Settlement Failed}
     * and {@code settlement.failed} to {@code SETTLEMENT_FAILED}.
     *
     * @return the canonical code, or an empty string if the input has no letters or digits
     */
    public static String toUpperSnake(String raw) {
        if (raw == null) {
            return "";
        }
        String split = CAMEL_BOUNDARY.matcher(raw.trim()).replaceAll("_");
        String snake = SEPARATORS.matcher(split).replaceAll("_");
        snake = snake.replaceAll("^_+|_+$", "");
        return snake.toUpperCase(Locale.ROOT);
    }

    public static boolean isCanonical(String code) {
        return code != null && CANONICAL.matcher(code).matches();
    }
}
