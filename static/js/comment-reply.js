/* "Reply" moves the comment form under the comment being answered and sets its parent,
   as WordPress's comment-reply.js does. Without JavaScript the link's ?replytocom=N works. */
(function () {
  "use strict";
  var respond = document.getElementById("respond");
  if (!respond) return;
  var form = respond.querySelector("form");
  var parentField = document.getElementById("comment_parent");
  var cancel = document.getElementById("cancel-comment-reply-link");
  var title = document.getElementById("reply-title");
  if (!form || !parentField || !cancel || !title) return;

  var titleText = title.firstChild;
  var originalTitle = "Leave a Reply";
  var home = document.createElement("div");
  home.id = "wp-temp-form-div";
  home.hidden = true;
  respond.parentNode.insertBefore(home, respond);

  function moveTo(link) {
    var body = document.getElementById("comment-" + link.getAttribute("data-commentid"));
    if (!body) return false;
    body.parentNode.insertBefore(respond, body.nextSibling);
    parentField.value = link.getAttribute("data-commentid");
    titleText.nodeValue = (link.getAttribute("data-replyto") || originalTitle) + " ";
    cancel.hidden = false;
    var textarea = document.getElementById("comment");
    if (textarea) textarea.focus();
    return true;
  }

  function restore() {
    home.parentNode.insertBefore(respond, home);
    parentField.value = "";
    titleText.nodeValue = originalTitle + " ";
    cancel.hidden = true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".comment-reply-link");
    if (link && moveTo(link)) event.preventDefault();
  });
  cancel.addEventListener("click", function (event) {
    event.preventDefault();
    restore();
  });
})();
