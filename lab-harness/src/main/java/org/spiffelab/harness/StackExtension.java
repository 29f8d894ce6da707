package org.spiffelab.harness;

import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Starts one scenario's stack before a test class and stops it after. A failed start or a failed test dumps
 * diagnostics to {@code target/scenario-reports/<class>/<test>/}.
 *
 * <pre>{@code @RegisterExtension static final StackExtension STACK = new StackExtension(StackSpec::x509);}</pre>
 */
public final class StackExtension implements BeforeAllCallback, AfterAllCallback, TestWatcher {

    private static volatile LabStack current;

    private final Function<LabProperties, StackSpec> spec;
    private LabStack stack;

    public StackExtension(Function<LabProperties, StackSpec> spec) {
        this.spec = spec;
    }

    /** The stack of the test class running now: lets a shared base class of scenario tests reach it. */
    public static LabStack current() {
        if (current == null) {
            throw new IllegalStateException("no stack is started: register a StackExtension in the test class");
        }
        return current;
    }

    public LabStack stack() {
        if (stack == null) {
            throw new IllegalStateException("the stack is not started");
        }
        return stack;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        LabProperties lab = LabProperties.load();
        stack = new LabStack(lab, LabImages.fromEnvironment(lab), spec.apply(lab), null, line -> System.out.println("==> " + line))
                .withContainerLogs(System.out::println);
        try {
            stack.start();
            current = stack;
        } catch (RuntimeException | Error e) {
            Diagnostics.dump(stack, reports(context, "start-up"));
            stack.close();
            stack = null;
            throw e;
        }
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        if (stack != null) {
            Diagnostics.dump(stack, reports(context, context.getRequiredTestMethod().getName()));
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (stack != null) {
            stack.close();
        }
        current = null;
    }

    private static Path reports(ExtensionContext context, String name) {
        Path base = Path.of(System.getProperty("lab.reports", "target/scenario-reports"));
        return base.resolve(context.getRequiredTestClass().getSimpleName()).resolve(name);
    }
}
