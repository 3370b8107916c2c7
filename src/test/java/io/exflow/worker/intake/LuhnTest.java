package io.exflow.worker.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LuhnTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "4111111111111111", // Visa
            "4242424242424242", // Visa
            "4222222222222", // Visa, 13 digits
            "5555555555554444", // Mastercard
            "2223003122003222", // Mastercard 2-series
            "378282246310005", // Amex, 15 digits
            "6011111111111117", // Discover
            "130692544" // a valid Canadian SIN
    })
    void validNumbersPass(String digits) {
        assertTrue(Luhn.isValid(digits));
    }

    @ParameterizedTest
    @ValueSource(strings = {"4111111111111112", "4242424242424241", "5555555555554440", "378282246310006", "", "41x1"})
    void invalidNumbersFail(String digits) {
        assertFalse(Luhn.isValid(digits));
    }

    @Test
    void cardNumbersNeedLengthChecksumAndNetworkPrefix() {
        assertTrue(Luhn.isCardNumber("4111111111111111"));
        assertTrue(Luhn.isCardNumber("378282246310005"));
        assertFalse(Luhn.isCardNumber("4111111111111112"), "16 digits failing Luhn");
        assertFalse(Luhn.isCardNumber("411111111111"), "12 digits");
        assertFalse(Luhn.isCardNumber("41111111111111111113"), "20 digits");
        // Epoch milliseconds start with 1; this one happens to pass Luhn but is no card number.
        assertTrue(Luhn.isValid("1714550400001"));
        assertFalse(Luhn.isCardNumber("1714550400001"));
    }

    @Test
    void digitsOfStripsSeparators() {
        assertEquals("4111111111111111", Luhn.digitsOf("4111 1111-1111 1111"));
    }
}
