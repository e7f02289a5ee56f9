// Razorpay Checkout for a wallet top-up: open it with the order on the page, then post
// the handler's fields (payment id, order id, signature) to Keel, which verifies them.
(function () {
  "use strict";
  var box = document.getElementById("billing-checkout");
  var button = document.getElementById("billing-pay");
  var form = document.getElementById("billing-verify");
  if (!box || !button || !form) { return; }
  function field(name, value) {
    var input = form.elements[name];
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }
  button.addEventListener("click", function () {
    if (typeof window.Razorpay !== "function") {
      button.textContent = "Razorpay Checkout could not be loaded";
      return;
    }
    var checkout = new window.Razorpay({
      key: box.dataset.key,
      order_id: box.dataset.order,
      amount: box.dataset.amount,
      currency: box.dataset.currency,
      name: "Keel",
      description: box.dataset.description,
      prefill: { email: box.dataset.email, name: box.dataset.name },
      handler: function (res) {
        field("razorpay_payment_id", res.razorpay_payment_id);
        field("razorpay_order_id", res.razorpay_order_id);
        field("razorpay_signature", res.razorpay_signature);
        form.submit();
      }
    });
    checkout.open();
  });
})();
